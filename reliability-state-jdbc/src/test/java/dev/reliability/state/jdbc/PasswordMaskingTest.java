package dev.reliability.state.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.reliability.state.StateStoreException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class PasswordMaskingTest {
    @Test
    void masksPasswordPropertiesAndUserInfo() {
        assertThat(JdbcStateStore.maskPasswords("jdbc:postgresql://h:5432/db?user=u&password=S3cret&ssl=true"))
                .isEqualTo("jdbc:postgresql://h:5432/db?user=u&password=***&ssl=true");
        assertThat(JdbcStateStore.maskPasswords("jdbc:mariadb://h/db?PASSWORD=S3cret"))
                .isEqualTo("jdbc:mariadb://h/db?PASSWORD=***");
        assertThat(JdbcStateStore.maskPasswords("jdbc:h2:file:/x;USER=sa;PASSWORD=S3cret;AUTO_SERVER=TRUE"))
                .isEqualTo("jdbc:h2:file:/x;USER=sa;PASSWORD=***;AUTO_SERVER=TRUE");
        assertThat(JdbcStateStore.maskPasswords("cannot open jdbc:mariadb://root:S3cret@h:3306/db: refused"))
                .isEqualTo("cannot open jdbc:mariadb://root:***@h:3306/db: refused");
        assertThat(JdbcStateStore.maskPasswords("jdbc:postgresql://h:5432/db?user=postgres"))
                .isEqualTo("jdbc:postgresql://h:5432/db?user=postgres");
    }

    @Test
    void storeFailuresAndToStringNeverShowThePassword() {
        UrlDataSource source = new UrlDataSource("jdbc:nosuchdriver://u:S3cret@h/db?password=S3cret");

        assertThat(source.toString()).doesNotContain("S3cret");
        assertThatThrownBy(() -> JdbcStateStore.builder(source).build())
                .isInstanceOf(StateStoreException.class)
                .satisfies(
                        failure -> assertThat(failure.getCause().getMessage()).doesNotContain("S3cret"));
        assertThatThrownBy(() -> JdbcStateStore.builderForUrl("odbc://h/db?password=S3cret"))
                .hasMessageNotContaining("S3cret");
        SQLException plain = new SQLException("no password here", "08001");
        assertThat((Object) JdbcStateStore.masked(plain)).isSameAs(plain);
    }
}
