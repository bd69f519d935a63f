package dev.reliability.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StateValueTest {

    @Test
    void factoriesKeepTypeAndPayload() {
        assertThat(StateValue.of("s").asString()).isEqualTo("s");
        assertThat(StateValue.of(7L).asLong()).isEqualTo(7L);
        assertThat(StateValue.of(7L).asDouble()).isEqualTo(7.0);
        assertThat(StateValue.of(1.5).asDouble()).isEqualTo(1.5);
        assertThat(StateValue.of(true).asBoolean()).isTrue();
        assertThat(StateValue.of(false).asBoolean()).isFalse();
        assertThat(StateValue.of(true)).isSameAs(StateValue.of(true));
        assertThat(StateValue.of(1L).isNumber()).isTrue();
        assertThat(StateValue.of(1.0).isNumber()).isTrue();
        assertThat(StateValue.of("1").isNumber()).isFalse();
    }

    @Test
    void accessorsOfTheWrongTypeThrow() {
        assertThatThrownBy(() -> StateValue.of(1L).asString())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("value is a LONG, not a STRING");
        assertThatThrownBy(() -> StateValue.of("x").asLong()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> StateValue.of("x").asDouble()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> StateValue.of("x").asBoolean()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> StateValue.of("x").asList()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> StateValue.of("x").asMap()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void nonFiniteDoublesAreRejected() {
        assertThatThrownBy(() -> StateValue.of(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("value must be a finite number, was NaN");
        assertThatThrownBy(() -> StateValue.of(Double.POSITIVE_INFINITY)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void stringsWithNulOrUnpairedSurrogatesAreRejected() {
        assertThatThrownBy(() -> StateValue.of("a\0"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("value must not contain a NUL character, found at index 1");
        assertThatThrownBy(() -> StateValue.of("a\uD800"))
                .hasMessage("value must not contain an unpaired surrogate, found at index 1");
        assertThatThrownBy(() -> StateValue.of("\uD800x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StateValue.ofMap(Map.of("\0", StateValue.of(1L))))
                .hasMessageStartingWith("map key must not contain");
        assertThat(StateValue.of("😀").asString()).isEqualTo("😀");
    }

    @Test
    void structuredValuesAreImmutableCopies() {
        List<StateValue> source = new ArrayList<>(List.of(StateValue.of(1L)));
        StateValue list = StateValue.ofList(source);
        source.add(StateValue.of(2L));
        assertThat(list.asList()).containsExactly(StateValue.of(1L));
        assertThatThrownBy(() -> list.asList().add(StateValue.of(3L)))
                .isInstanceOf(UnsupportedOperationException.class);
        Map<String, StateValue> map = new LinkedHashMap<>();
        map.put("b", StateValue.of(2L));
        map.put("a", StateValue.of(1L));
        StateValue sorted = StateValue.ofMap(map);
        assertThat(sorted.asMap().keySet()).containsExactly("a", "b");
        assertThatThrownBy(() -> StateValue.ofList(java.util.Arrays.asList((StateValue) null)))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void nestingDeeperThanTheLimitIsRejected() {
        StateValue v = StateValue.of(1L);
        for (int i = 0; i < StateValue.MAX_DEPTH; i++) {
            v = StateValue.ofList(List.of(v));
        }
        StateValue deepest = v;
        assertThatThrownBy(() -> StateValue.ofList(List.of(deepest)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("nesting depth must be <= 64, was 65");
        assertThatThrownBy(() -> StateValue.ofMap(Map.of("k", deepest))).isInstanceOf(IllegalArgumentException.class);
        assertThat(StateValue.fromJson(deepest.toJson())).isEqualTo(deepest);
        assertThatThrownBy(() -> StateValue.fromJson("[".repeat(65) + "]".repeat(65)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void equalityFollowsTypeAndPayload() {
        assertThat(StateValue.of(1L)).isEqualTo(StateValue.of(1L)).hasSameHashCodeAs(StateValue.of(1L));
        assertThat(StateValue.of(1L)).isNotEqualTo(StateValue.of(1.0));
        assertThat(StateValue.of(1L)).isNotEqualTo(StateValue.of("1"));
        assertThat(StateValue.of(0.0)).isNotEqualTo(StateValue.of(-0.0));
        assertThat(StateValue.of(0.5)).isEqualTo(StateValue.of(0.5));
        assertThat(StateValue.of(1L)).isNotEqualTo("1");
        StateValue v = StateValue.of("x");
        @SuppressWarnings("SelfEquals") // reflexivity is the property under test
        boolean reflexive = v.equals(v);
        assertThat(reflexive).isTrue();
        assertThat(StateValue.of(1L)).hasToString("LONG 1");
        assertThat(StateValue.of("a")).hasToString("STRING \"a\"");
    }

    @Test
    void jsonRoundTripsEveryType() {
        StateValue value = StateValue.ofMap(Map.of(
                "s", StateValue.of("q\"b\\s/\b\f\n\r\t\u0001é😀"),
                "l", StateValue.of(Long.MIN_VALUE),
                "d", StateValue.of(-1.25e-300),
                "z", StateValue.of(-0.0),
                "w", StateValue.of(2.0),
                "b", StateValue.of(true),
                "f", StateValue.of(false),
                "list", StateValue.ofList(List.of(StateValue.ofList(List.of()), StateValue.ofMap(Map.of())))));
        String json = value.toJson();
        assertThat(StateValue.fromJson(json)).isEqualTo(value);
        assertThat(StateValue.fromJson(json).asMap().get("w").type()).isEqualTo(StateValue.Type.DOUBLE);
        assertThat(StateValue.of("a\u0001").toJson()).isEqualTo("\"a\\u0001\"");
    }

    @Test
    void jsonParsingAcceptsWhitespaceAndEscapes() {
        assertThat(StateValue.fromJson(" [ 1 , \"a\\u0041\\/\" , { \"k\" : 2.5 } , true ] "))
                .isEqualTo(StateValue.ofList(List.of(
                        StateValue.of(1L),
                        StateValue.of("aA/"),
                        StateValue.ofMap(Map.of("k", StateValue.of(2.5))),
                        StateValue.of(true))));
        assertThat(StateValue.fromJson("1e2")).isEqualTo(StateValue.of(100.0));
        assertThat(StateValue.fromJson("99999999999999999999")).isEqualTo(StateValue.of(1e20));
    }

    @Test
    void malformedJsonIsRejected() {
        List<String> bad = List.of(
                "",
                "   ",
                "nul",
                "tru",
                "[1,",
                "[1 2]",
                "{\"a\" 1}",
                "{1:2}",
                "{\"a\":1,}",
                "{\"a\":1 \"b\":2}",
                "{\"a\":1,\"a\":2}",
                "\"abc",
                "\"a\\",
                "\"\\x\"",
                "\"\\u12\"",
                "\"\\uzzzz\"",
                "\"a\nb\"",
                "+1",
                "1e",
                "-",
                ".5x",
                "1 2",
                "[",
                "{",
                "{\"a\":",
                "1e999",
                "\"a\\u0000\"",
                "null");
        for (String json : bad) {
            assertThatThrownBy(() -> StateValue.fromJson(json)).as(json).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> StateValue.fromJson("[1 2]"))
                .hasMessage("json must be a valid value, expected ',' or ']' at index 3");
    }

    @Test
    void toNumberReadsNumbersAndNumericStrings() {
        assertThat(StateValue.of(5L).toNumber()).contains(StateValue.of(5L));
        assertThat(StateValue.of(" 42 ").toNumber()).contains(StateValue.of(42L));
        assertThat(StateValue.of("+7").toNumber()).contains(StateValue.of(7L));
        assertThat(StateValue.of("-1.5e3").toNumber()).contains(StateValue.of(-1500.0));
        assertThat(StateValue.of(".5").toNumber()).contains(StateValue.of(0.5));
        assertThat(StateValue.of("5.").toNumber()).contains(StateValue.of(5.0));
        assertThat(StateValue.of("1E+2").toNumber()).contains(StateValue.of(100.0));
        assertThat(StateValue.of("9223372036854775808").toNumber()).contains(StateValue.of(9.223372036854776E+18));
        for (String s : List.of("", " ", "abc", "1x", "0x10", "1e", "1e+", ".", "-", "1e999", "NaN", "Infinity")) {
            assertThat(StateValue.of(s).toNumber()).as(s).isEmpty();
        }
        assertThat(StateValue.of(true).toNumber()).isEmpty();
    }

    @Test
    void encodedSizeCountsUtf8Bytes() {
        assertThat(StateValue.of("aé€😀").encodedSize()).isEqualTo(1 + 2 + 3 + 4);
        assertThat(StateValue.of(123L).encodedSize()).isEqualTo(3);
        assertThat(StateValue.ofList(List.of(StateValue.of("a"))).encodedSize()).isEqualTo(5);
    }

    @Test
    void versionedValueChecksItsComponents() {
        assertThat(new VersionedValue(StateValue.of(1L), 1).version()).isEqualTo(1);
        assertThatThrownBy(() -> new VersionedValue(StateValue.of(1L), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("version must be >= 1, was 0");
        assertThatThrownBy(() -> new VersionedValue(null, 1)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void exceptionsNameOperationStoreAndSqlState() {
        StateStoreException e = new StateStoreException(
                StateStoreException.Kind.UNAVAILABLE, "increment", "postgresql", "08006", new RuntimeException("x"));
        assertThat(e)
                .hasMessage("state store operation 'increment' failed on postgresql: unavailable (SQLState 08006)")
                .hasCauseInstanceOf(RuntimeException.class);
        assertThat(e.kind()).isEqualTo(StateStoreException.Kind.UNAVAILABLE);
        assertThat(e.operation()).isEqualTo("increment");
        assertThat(e.store()).isEqualTo("postgresql");
        assertThat(e.sqlState()).isEqualTo("08006");
        assertThat(new StateStoreException(StateStoreException.Kind.WRONG_TYPE, "append", "memory", null, null))
                .hasMessage("state store operation 'append' failed on memory: wrong type")
                .hasNoCause();
        assertThatThrownBy(() -> new StateStoreException(null, "a", "b", null, null))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void globsTranslateToWholeKeyPatterns() {
        assertThat(AbstractStateStore.globMatcher("a*b?c").test("aXXbYc")).isTrue();
        assertThat(AbstractStateStore.globMatcher("a*b?c").test("aXXbYcd")).isFalse();
        assertThat(AbstractStateStore.globMatcher("a.b").test("aXb")).isFalse();
        assertThat(AbstractStateStore.globMatcher("a\\*").test("a*")).isTrue();
        assertThat(AbstractStateStore.globMatcher("a\\*").test("ab")).isFalse();
        assertThat(AbstractStateStore.globMatcher("*").test("line\nbreak")).isTrue();
        assertThat(AbstractStateStore.globPrefix("user:\\*x*y")).isEqualTo("user:*x");
        assertThat(AbstractStateStore.globPrefix("ab?")).isEqualTo("ab");
        assertThat(AbstractStateStore.globPrefix("ab\\")).isEqualTo("ab");
        assertThat(AbstractStateStore.globPrefix("plain")).isEqualTo("plain");
        assertThatThrownBy(() -> AbstractStateStore.globMatcher("a\\"))
                .hasMessage("glob must not end with a lone backslash, was a\\");
    }

    @Test
    void globsMatchLikeShellWildcards() {
        assertThat(AbstractStateStore.globMatcher("*a*").test("bab")).isTrue();
        assertThat(AbstractStateStore.globMatcher("*a*").test("bbb")).isFalse();
        assertThat(AbstractStateStore.globMatcher("a*").test("a")).isTrue();
        assertThat(AbstractStateStore.globMatcher("**").test("")).isTrue();
        assertThat(AbstractStateStore.globMatcher("?").test("")).isFalse();
        assertThat(AbstractStateStore.globMatcher("?").test("\uD83D\uDE00")).isTrue(); // one code point, two chars
        assertThat(AbstractStateStore.globMatcher("a\\?*").test("a?b")).isTrue();
        assertThat(AbstractStateStore.globMatcher("a\\\\").test("a\\")).isTrue();
        assertThat(AbstractStateStore.globMatcher("x\\?y").test("x?y")).isTrue();
        assertThat(AbstractStateStore.globMatcher("x\\?y").test("xzy")).isFalse();
        assertThat(AbstractStateStore.globMatcher("*ab*ab").test("abxabyab")).isTrue();
    }

    @Test
    @org.junit.jupiter.api.Timeout(5)
    void aGlobCannotBacktrackForLong() {
        // As a regular expression, 12 "*a" pairs against 240 a's and no b would backtrack for hours
        String glob = "p" + "*a".repeat(12) + "*b";
        String key = "p" + "a".repeat(240);

        for (int i = 0; i < 1000; i++) {
            assertThat(AbstractStateStore.globMatcher(glob).test(key)).isFalse();
        }
        assertThat(AbstractStateStore.globMatcher(glob).test(key + "b")).isTrue();
    }

    @Test
    void ttlsRoundUpToWholeMilliseconds() {
        assertThat(AbstractStateStore.checkTtl(java.time.Duration.ofNanos(1))).isEqualTo(1);
        assertThat(AbstractStateStore.checkTtl(java.time.Duration.ofMillis(1500)))
                .isEqualTo(1500);
        assertThat(AbstractStateStore.checkTtl(java.time.Duration.ofNanos(1_500_001)))
                .isEqualTo(2);
        assertThatThrownBy(() -> AbstractStateStore.checkTtl(StateStore.MAX_TTL.plusMillis(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
