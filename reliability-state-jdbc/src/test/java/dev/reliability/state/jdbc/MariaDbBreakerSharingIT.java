package dev.reliability.state.jdbc;

/** Two JVMs sharing a breaker on MariaDB. */
class MariaDbBreakerSharingIT extends BreakerSharingTests {
    @Override
    ServerDatabase database() {
        return ServerDatabase.MARIADB;
    }
}
