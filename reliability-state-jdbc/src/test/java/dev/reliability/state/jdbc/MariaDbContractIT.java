package dev.reliability.state.jdbc;

/** The contract suite on MariaDB. */
class MariaDbContractIT extends ServerContractTests {
    @Override
    ServerDatabase database() {
        return ServerDatabase.MARIADB;
    }
}
