package dev.reliability.state.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Driver;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** How the pool of {@link JdbcStateStore#builderForUrl(String)} finds its driver, without a database. */
class UrlPoolTest {
    @Test
    void findsTheDriverNamedForTheUrlsSubprotocol() throws SQLException {
        assertDriver("jdbc:postgresql://127.0.0.1/db", "org.postgresql.Driver");
        assertDriver("jdbc:mariadb://127.0.0.1/db", "org.mariadb.jdbc.Driver");
        assertDriver("jdbc:h2:mem:urlpool", "org.h2.Driver");
        assertDriver("jdbc:sqlite::memory:", "org.sqlite.JDBC");
    }

    @Test
    void triesEveryDriverWhenNoneIsNamedForTheSubprotocol() throws SQLException {
        // No driver's class name contains "mysql"; MariaDB's accepts this scheme when the URL permits it.
        assertDriver("jdbc:mysql://127.0.0.1/db?permitMysqlScheme", "org.mariadb.jdbc.Driver");
    }

    @Test
    void aUrlNoDriverAcceptsIsAnErrorWithoutItsPassword() {
        assertThatThrownBy(() -> UrlPool.driverFor("jdbc:nosuchdb://u:s3cret@host/db?password=s3cret"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("no JDBC driver on the class path accepts jdbc:nosuchdb://u:***@host/db?password=***");
        assertThatThrownBy(() -> UrlPool.driverFor("jdbc:"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no JDBC driver");
    }

    private static void assertDriver(String url, String driverClass) throws SQLException {
        Driver driver = UrlPool.driverFor(url);
        assertThat(driver.getClass().getName()).isEqualTo(driverClass);
        assertThat(driver.acceptsURL(url)).isTrue();
    }
}
