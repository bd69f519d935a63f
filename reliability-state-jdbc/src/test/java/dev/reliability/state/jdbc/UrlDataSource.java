package dev.reliability.state.jdbc;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/** A DataSource over {@link DriverManager} for tests: a new connection per call, no pool. */
final class UrlDataSource extends AbstractDataSource {
    private final String url;

    UrlDataSource(String url) {
        this.url = url;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return DriverManager.getConnection(url);
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return DriverManager.getConnection(url, username, password);
    }

    @Override
    public String toString() {
        return "UrlDataSource[" + JdbcStateStore.maskPasswords(url) + "]";
    }
}
