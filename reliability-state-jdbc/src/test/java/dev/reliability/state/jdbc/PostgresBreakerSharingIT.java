package dev.reliability.state.jdbc;

/** Two JVMs sharing a breaker on PostgreSQL. */
class PostgresBreakerSharingIT extends BreakerSharingTests {
    @Override
    ServerDatabase database() {
        return ServerDatabase.POSTGRESQL;
    }
}
