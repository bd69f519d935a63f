package dev.reliability.state.jdbc;

import static org.junit.jupiter.api.Assertions.fail;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.junit.jupiter.api.Assumptions;

/**
 * The loopback database servers of the ITs. URLs come from {@code RELIABILITY_PG_URL} and {@code
 * RELIABILITY_MARIADB_URL}; an unreachable server skips the tests with a message, or fails them when {@code
 * RELIABILITY_REQUIRE_DATABASES=1}.
 */
enum ServerDatabase {
    POSTGRESQL("PostgreSQL", "RELIABILITY_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres"),
    MARIADB("MariaDB", "RELIABILITY_MARIADB_URL", "jdbc:mariadb://127.0.0.1:3306/test?user=root");

    private final String label;
    private final String variable;
    private final String defaultUrl;

    ServerDatabase(String label, String variable, String defaultUrl) {
        this.label = label;
        this.variable = variable;
        this.defaultUrl = defaultUrl;
    }

    String url() {
        String url = System.getenv(variable);
        return url == null || url.isBlank() ? defaultUrl : url;
    }

    /** Returns a DataSource on the server, after checking that it answers. */
    DataSource dataSource() {
        return dataSource(url());
    }

    DataSource dataSource(String url) {
        DataSource ds = new UrlDataSource(url);
        try (Connection c = ds.getConnection()) {
            c.isValid(2);
        } catch (SQLException e) {
            String message = label + " is not reachable at " + url + " (" + e.getMessage() + "); set " + variable
                    + " to point at a server";
            if ("1".equals(System.getenv("RELIABILITY_REQUIRE_DATABASES"))) {
                fail(message + ", RELIABILITY_REQUIRE_DATABASES=1 makes this a failure", e);
            }
            Assumptions.abort(message + "; skipping (RELIABILITY_REQUIRE_DATABASES=1 would fail instead)");
        }
        return ds;
    }
}
