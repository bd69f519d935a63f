package dev.reliability.state.jdbc;

/** The contract suite on PostgreSQL. */
class PostgresContractIT extends ServerContractTests {
    @Override
    ServerDatabase database() {
        return ServerDatabase.POSTGRESQL;
    }
}
