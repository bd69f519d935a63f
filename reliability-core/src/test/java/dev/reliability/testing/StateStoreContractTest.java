package dev.reliability.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.reliability.state.StateStore;
import dev.reliability.state.StateStoreException;
import dev.reliability.state.StateValue;
import dev.reliability.state.VersionedValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link StateStore} must have. A store module subclasses it and builds its store on the given
 * {@link ManualTimeSource}, so TTLs are checked in virtual time: {@link #time} moves only when a test advances it.
 *
 * <p>Each test gets a fresh, empty store from {@link #createStore(ManualTimeSource)}; {@link #disposeStore(StateStore)}
 * runs after it. The concurrency cases use real threads with a start latch.
 */
public abstract class StateStoreContractTest {

    /** The virtual clock the store under test reads. */
    protected final ManualTimeSource time = new ManualTimeSource();

    /** The store under test. */
    protected StateStore store;

    /**
     * Returns a new, empty store that reads time from {@code time} and allows values of {@link
     * StateStore#DEFAULT_MAX_VALUE_BYTES}.
     *
     * @param time the virtual clock
     * @return the store
     */
    protected abstract StateStore createStore(ManualTimeSource time);

    /**
     * Releases a store after a test; closes it by default. Stores on a database drop their tables here.
     *
     * @param store the store
     */
    protected void disposeStore(StateStore store) {
        store.close();
    }

    @BeforeEach
    void openStore() {
        store = createStore(time);
    }

    @AfterEach
    void closeStore() {
        disposeStore(store);
    }

    // ---------------------------------------------------------------- get, set, delete, exists

    @Test
    void getOfAbsentKeyIsEmpty() {
        assertThat(store.get("missing")).isEmpty();
        assertThat(store.exists("missing")).isFalse();
    }

    @Test
    void everyTypeRoundTripsExactly() {
        Map<String, StateValue> values = new HashMap<>();
        values.put("string", StateValue.of("héllo wörld ✓ 😀 \"quoted\" \\ \n\t"));
        values.put("empty", StateValue.of(""));
        values.put("long", StateValue.of(42L));
        values.put("max", StateValue.of(Long.MAX_VALUE));
        values.put("min", StateValue.of(Long.MIN_VALUE));
        values.put("above2pow53", StateValue.of((1L << 53) + 1));
        values.put("double", StateValue.of(0.1));
        values.put("negzero", StateValue.of(-0.0));
        values.put("wholedouble", StateValue.of(3.0));
        values.put("huge", StateValue.of(1.0e300));
        values.put("true", StateValue.of(true));
        values.put("false", StateValue.of(false));
        values.put("numericstring", StateValue.of("42"));
        values.put(
                "list",
                StateValue.ofList(List.of(
                        StateValue.of(1L),
                        StateValue.of("two"),
                        StateValue.of(3.5),
                        StateValue.of(false),
                        StateValue.ofList(List.of()),
                        StateValue.ofMap(Map.of("k", StateValue.of((1L << 60) + 7))))));
        values.put(
                "map",
                StateValue.ofMap(Map.of(
                        "a", StateValue.of("x"),
                        "b", StateValue.ofList(List.of(StateValue.of(true))),
                        "ünï", StateValue.of(-7L))));
        values.forEach(store::set);
        values.forEach((key, value) -> {
            Optional<StateValue> read = store.get(key);
            assertThat(read).as(key).contains(value);
            assertThat(read.orElseThrow().type()).as(key).isEqualTo(value.type());
        });
        assertThat(store.get("above2pow53").orElseThrow().asLong()).isEqualTo(9007199254740993L);
    }

    @Test
    void setReplacesValueAndType() {
        store.set("k", StateValue.of("text"));
        store.set("k", StateValue.of(7L));
        assertThat(store.get("k")).contains(StateValue.of(7L));
    }

    @Test
    void deleteReportsWhetherALiveKeyWasRemoved() {
        store.set("k", StateValue.of(1L));
        assertThat(store.delete("k")).isTrue();
        assertThat(store.delete("k")).isFalse();
        assertThat(store.exists("k")).isFalse();
    }

    @Test
    void existsSeesPresentKeys() {
        store.set("k", StateValue.of(false));
        assertThat(store.exists("k")).isTrue();
    }

    // ---------------------------------------------------------------- keys, clear

    @Test
    void keysAreSortedAndMatchTheGlob() {
        for (String key : List.of("user:2", "user:10", "user:1", "order:1", "user:", "usr:1", "a*b", "a_b", "a%b")) {
            store.set(key, StateValue.of(1L));
        }
        assertThat(store.keys("user:*")).containsExactly("user:", "user:1", "user:10", "user:2");
        assertThat(store.keys("user:?")).containsExactly("user:1", "user:2");
        assertThat(store.keys("*:1")).containsExactly("order:1", "user:1", "usr:1");
        assertThat(store.keys("a\\*b")).containsExactly("a*b");
        assertThat(store.keys("a_b")).containsExactly("a_b");
        assertThat(store.keys("a%*")).containsExactly("a%b");
        assertThat(store.keys("*")).hasSize(9);
        assertThat(store.keys("nothing*")).isEmpty();
    }

    @Test
    void keysIsCaseAndSpaceSensitive() {
        store.set("Key", StateValue.of(1L));
        store.set("key", StateValue.of(2L));
        store.set("key ", StateValue.of(3L));
        assertThat(store.keys("key*")).containsExactly("key", "key ");
        assertThat(store.get("Key")).contains(StateValue.of(1L));
        assertThat(store.get("key ")).contains(StateValue.of(3L));
    }

    @Test
    void clearRemovesMatchingKeysAndCountsThem() {
        store.set("tmp:1", StateValue.of(1L));
        store.set("tmp:2", StateValue.of(1L));
        store.set("keep", StateValue.of(1L));
        store.set("tmp:gone", StateValue.of(1L), Duration.ofSeconds(1));
        time.advance(Duration.ofSeconds(2));

        assertThat(store.clear("tmp:*")).isEqualTo(2);
        assertThat(store.keys("*")).containsExactly("keep");
        assertThat(store.clear("tmp:*")).isZero();
    }

    @Test
    void clearLeavesLocksAlone() {
        assertThat(store.tryLock("job", "me", Duration.ofMinutes(1))).isTrue();
        store.clear("*");
        assertThat(store.tryLock("job", "other", Duration.ofMinutes(1))).isFalse();
    }

    // ---------------------------------------------------------------- increment, decrement

    @Test
    void incrementStartsAtZeroAndReturnsTheNewValue() {
        assertThat(store.increment("c", 1)).isEqualTo(1);
        assertThat(store.increment("c", 5)).isEqualTo(6);
        assertThat(store.decrement("c", 10)).isEqualTo(-4);
        assertThat(store.get("c")).contains(StateValue.of(-4L));
    }

    @Test
    void incrementReadsANumericString() {
        store.set("c", StateValue.of(" 41 "));
        assertThat(store.increment("c", 1)).isEqualTo(42);
        assertThat(store.get("c")).contains(StateValue.of(42L));
    }

    @Test
    void incrementAbove2pow53StaysExact() {
        store.set("c", StateValue.of(1L << 53));
        assertThat(store.increment("c", 1)).isEqualTo((1L << 53) + 1);
        assertThat(store.increment("c", 2)).isEqualTo((1L << 53) + 3);
        assertThat(store.get("c").orElseThrow().asLong()).isEqualTo(9007199254740995L);
    }

    @Test
    void incrementOfANonNumberFailsAndChangesNothing() {
        List<StateValue> notIntegers = List.of(
                StateValue.of("abc"),
                StateValue.of(true),
                StateValue.of(1.5),
                StateValue.of("1.5"),
                StateValue.ofList(List.of(StateValue.of(1L))),
                StateValue.ofMap(Map.of()));
        for (StateValue value : notIntegers) {
            store.set("c", value);
            assertThatThrownBy(() -> store.increment("c", 1))
                    .as(value.toString())
                    .isInstanceOfSatisfying(StateStoreException.class, e -> {
                        assertThat(e.kind()).isEqualTo(StateStoreException.Kind.WRONG_TYPE);
                        assertThat(e.operation()).isEqualTo("increment");
                    });
            assertThat(store.get("c")).as(value.toString()).contains(value);
        }
    }

    @Test
    void incrementThatWouldOverflowFailsAndChangesNothing() {
        store.set("c", StateValue.of(Long.MAX_VALUE));
        assertThatThrownBy(() -> store.increment("c", 1))
                .isInstanceOfSatisfying(StateStoreException.class, e -> assertThat(e.kind())
                        .isEqualTo(StateStoreException.Kind.OVERFLOW));
        assertThat(store.get("c")).contains(StateValue.of(Long.MAX_VALUE));
    }

    @Test
    void incrementKeepsTheTtl() {
        store.set("c", StateValue.of(1L), Duration.ofSeconds(10));
        store.increment("c", 1);
        time.advance(Duration.ofSeconds(9));
        assertThat(store.get("c")).contains(StateValue.of(2L));
        time.advance(Duration.ofSeconds(2));
        assertThat(store.get("c")).isEmpty();
    }

    @Test
    void incrementOfAnExpiredKeyStartsAtZeroWithoutTtl() {
        store.set("c", StateValue.of(100L), Duration.ofSeconds(1));
        time.advance(Duration.ofSeconds(2));
        assertThat(store.increment("c", 1)).isEqualTo(1);
        assertThat(store.getTtl("c")).isEmpty();
        time.advance(Duration.ofDays(1));
        assertThat(store.get("c")).contains(StateValue.of(1L));
    }

    @Test
    void incrementOfAnExpiredNonNumberStartsAtZero() {
        store.set("c", StateValue.of("abc"), Duration.ofSeconds(1));
        time.advance(Duration.ofSeconds(2));
        assertThat(store.increment("c", 3)).isEqualTo(3);
    }

    @Test
    void doubleIncrementWorksOnAnyNumber() {
        assertThat(store.increment("d", 0.5)).isEqualTo(0.5);
        assertThat(store.increment("d", 0.25)).isEqualTo(0.75);
        assertThat(store.get("d")).contains(StateValue.of(0.75));
        store.set("l", StateValue.of(2L));
        assertThat(store.increment("l", 0.5)).isEqualTo(2.5);
        assertThat(store.get("l")).contains(StateValue.of(2.5));
        store.set("s", StateValue.of("1.5e1"));
        assertThat(store.increment("s", 1.0)).isEqualTo(16.0);
        assertThat(store.get("s")).contains(StateValue.of(16.0));
    }

    @Test
    void doubleIncrementOfANonNumberFailsAndChangesNothing() {
        store.set("d", StateValue.of(true));
        assertThatThrownBy(() -> store.increment("d", 1.0))
                .isInstanceOfSatisfying(StateStoreException.class, e -> assertThat(e.kind())
                        .isEqualTo(StateStoreException.Kind.WRONG_TYPE));
        assertThat(store.get("d")).contains(StateValue.of(true));
    }

    @Test
    void doubleIncrementThatWouldOverflowFails() {
        store.set("d", StateValue.of(Double.MAX_VALUE));
        assertThatThrownBy(() -> store.increment("d", Double.MAX_VALUE))
                .isInstanceOfSatisfying(StateStoreException.class, e -> assertThat(e.kind())
                        .isEqualTo(StateStoreException.Kind.OVERFLOW));
        assertThat(store.get("d")).contains(StateValue.of(Double.MAX_VALUE));
    }

    // ---------------------------------------------------------------- append

    @Test
    void appendPutsTheSeparatorOnlyBetweenItems() {
        assertThat(store.append("log", "a", ", ")).isEqualTo(1);
        assertThat(store.append("log", "b", ", ")).isEqualTo(4);
        assertThat(store.append("log", "c", "")).isEqualTo(5);
        assertThat(store.get("log")).contains(StateValue.of("a, bc"));
    }

    @Test
    void appendCountsCodePoints() {
        assertThat(store.append("u", "é😀", "")).isEqualTo(2);
        assertThat(store.append("u", "x", "😀")).isEqualTo(4);
        assertThat(store.get("u")).contains(StateValue.of("é😀😀x"));
    }

    @Test
    void appendToANonStringFailsAndChangesNothing() {
        store.set("n", StateValue.of(5L));
        assertThatThrownBy(() -> store.append("n", "x", ","))
                .isInstanceOfSatisfying(StateStoreException.class, e -> assertThat(e.kind())
                        .isEqualTo(StateStoreException.Kind.WRONG_TYPE));
        assertThat(store.get("n")).contains(StateValue.of(5L));
    }

    @Test
    void appendKeepsTheTtl() {
        store.set("log", StateValue.of("a"), Duration.ofSeconds(10));
        store.append("log", "b", "");
        assertThat(store.getTtl("log")).contains(Duration.ofSeconds(10));
    }

    @Test
    void appendBeyondTheSizeLimitIsRejectedAndChangesNothing() {
        String big = "x".repeat((int) StateStore.DEFAULT_MAX_VALUE_BYTES - 1);
        store.set("log", StateValue.of(big));
        assertThatThrownBy(() -> store.append("log", "yz", "")).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.get("log").orElseThrow().asString()).hasSize(big.length());
        assertThat(store.append("log", "y", "")).isEqualTo(StateStore.DEFAULT_MAX_VALUE_BYTES);
    }

    // ---------------------------------------------------------------- compare-and-set

    @Test
    void compareAndSetOnAnAbsentKey() {
        assertThat(store.compareAndSet("k", Optional.empty(), StateValue.of(1L)))
                .isTrue();
        assertThat(store.compareAndSet("k", Optional.empty(), StateValue.of(2L)))
                .isFalse();
        assertThat(store.get("k")).contains(StateValue.of(1L));
    }

    @Test
    void compareAndSetReplacesAnEqualValueOnly() {
        store.set("k", StateValue.of("a"));
        assertThat(store.compareAndSet("k", Optional.of(StateValue.of("b")), StateValue.of("c")))
                .isFalse();
        assertThat(store.compareAndSet("k", Optional.of(StateValue.of("a")), StateValue.of("c")))
                .isTrue();
        assertThat(store.get("k")).contains(StateValue.of("c"));
    }

    @Test
    void compareAndSetComparesTypes() {
        store.set("k", StateValue.of(1L));
        assertThat(store.compareAndSet("k", Optional.of(StateValue.of("1")), StateValue.of(2L)))
                .isFalse();
        assertThat(store.compareAndSet("k", Optional.of(StateValue.of(1.0)), StateValue.of(2L)))
                .isFalse();
        assertThat(store.compareAndSet("k", Optional.of(StateValue.of(1L)), StateValue.of(2L)))
                .isTrue();
    }

    @Test
    void compareAndSetComparesStructuredValues() {
        StateValue list = StateValue.ofList(List.of(StateValue.of("a"), StateValue.of(1L)));
        store.set("k", list);
        StateValue sameList = StateValue.ofList(List.of(StateValue.of("a"), StateValue.of(1L)));
        assertThat(store.compareAndSet("k", Optional.of(sameList), StateValue.of(true)))
                .isTrue();
    }

    @Test
    void compareAndSetTreatsAnExpiredKeyAsAbsent() {
        store.set("k", StateValue.of(1L), Duration.ofSeconds(1));
        time.advance(Duration.ofSeconds(1));
        assertThat(store.compareAndSet("k", Optional.of(StateValue.of(1L)), StateValue.of(2L)))
                .isFalse();
        assertThat(store.compareAndSet("k", Optional.empty(), StateValue.of(3L)))
                .isTrue();
        assertThat(store.get("k")).contains(StateValue.of(3L));
        assertThat(store.getTtl("k")).isEmpty();
    }

    // ---------------------------------------------------------------- TTL

    @Test
    void aKeyExpiresAfterItsTtl() {
        store.set("k", StateValue.of("v"), Duration.ofSeconds(5));
        time.advance(Duration.ofMillis(4_999));
        assertThat(store.get("k")).contains(StateValue.of("v"));
        time.advance(Duration.ofMillis(1));
        assertThat(store.get("k")).isEmpty();
        assertThat(store.exists("k")).isFalse();
        assertThat(store.keys("*")).isEmpty();
        assertThat(store.delete("k")).isFalse();
    }

    @Test
    void getTtlReportsTheRemainingTime() {
        store.set("k", StateValue.of(1L), Duration.ofSeconds(30));
        time.advance(Duration.ofSeconds(10));
        assertThat(store.getTtl("k")).contains(Duration.ofSeconds(20));
        store.set("forever", StateValue.of(1L));
        assertThat(store.getTtl("forever")).isEmpty();
        assertThat(store.getTtl("missing")).isEmpty();
    }

    @Test
    void setWithoutTtlRemovesTheTtl() {
        store.set("k", StateValue.of(1L), Duration.ofSeconds(1));
        store.set("k", StateValue.of(2L));
        time.advance(Duration.ofSeconds(5));
        assertThat(store.get("k")).contains(StateValue.of(2L));
    }

    @Test
    void setTtlChangesTheExpiryOfALiveKey() {
        assertThat(store.setTtl("missing", Duration.ofSeconds(1))).isFalse();
        assertThat(store.exists("missing")).isFalse();
        store.set("k", StateValue.of(1L));
        assertThat(store.setTtl("k", Duration.ofSeconds(2))).isTrue();
        assertThat(store.getTtl("k")).contains(Duration.ofSeconds(2));
        time.advance(Duration.ofSeconds(2));
        assertThat(store.exists("k")).isFalse();
        assertThat(store.setTtl("k", Duration.ofSeconds(2))).isFalse();
    }

    @Test
    void aSubMillisecondTtlCountsAsOneMillisecond() {
        store.set("k", StateValue.of(1L), Duration.ofNanos(1));
        assertThat(store.getTtl("k")).contains(Duration.ofMillis(1));
        time.advance(Duration.ofMillis(1));
        assertThat(store.exists("k")).isFalse();
    }

    // ---------------------------------------------------------------- lists

    @Test
    void listPushPopAndLength() {
        assertThat(store.listLength("q")).isZero();
        assertThat(store.listPop("q")).isEmpty();
        assertThat(store.listPush("q", StateValue.of("a"))).isEqualTo(1);
        assertThat(store.listPush("q", StateValue.of(2L))).isEqualTo(2);
        assertThat(store.listPush("q", StateValue.ofMap(Map.of("x", StateValue.of(true)))))
                .isEqualTo(3);
        assertThat(store.listLength("q")).isEqualTo(3);
        assertThat(store.listPop("q")).contains(StateValue.ofMap(Map.of("x", StateValue.of(true))));
        assertThat(store.listPop("q")).contains(StateValue.of(2L));
        assertThat(store.listPop("q")).contains(StateValue.of("a"));
        assertThat(store.listPop("q")).isEmpty();
        assertThat(store.listLength("q")).isZero();
        assertThat(store.get("q")).contains(StateValue.ofList(List.of()));
    }

    @Test
    void listOperationsOnANonListFailAndChangeNothing() {
        store.set("s", StateValue.of("text"));
        assertThatThrownBy(() -> store.listPush("s", StateValue.of(1L))).isInstanceOf(StateStoreException.class);
        assertThatThrownBy(() -> store.listPop("s")).isInstanceOf(StateStoreException.class);
        assertThatThrownBy(() -> store.listLength("s"))
                .isInstanceOfSatisfying(StateStoreException.class, e -> assertThat(e.kind())
                        .isEqualTo(StateStoreException.Kind.WRONG_TYPE));
        assertThat(store.get("s")).contains(StateValue.of("text"));
    }

    @Test
    void listPushBeyondTheSizeLimitIsRejected() {
        store.listPush("q", StateValue.of("x".repeat((int) StateStore.DEFAULT_MAX_VALUE_BYTES - 10)));
        assertThatThrownBy(() -> store.listPush("q", StateValue.of("y".repeat(20))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(store.listLength("q")).isEqualTo(1);
    }

    // ---------------------------------------------------------------- locks

    @Test
    void aLockIsExclusiveAndNotReentrant() {
        assertThat(store.tryLock("job", "a", Duration.ofSeconds(10))).isTrue();
        assertThat(store.tryLock("job", "a", Duration.ofSeconds(10))).isFalse();
        assertThat(store.tryLock("job", "b", Duration.ofSeconds(10))).isFalse();
        assertThat(store.tryLock("other", "b", Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void aLockExpiresAfterItsTtl() {
        assertThat(store.tryLock("job", "a", Duration.ofSeconds(10))).isTrue();
        time.advance(Duration.ofSeconds(10));
        assertThat(store.tryLock("job", "b", Duration.ofSeconds(10))).isTrue();
        assertThat(store.unlock("job", "a")).isFalse();
        assertThat(store.unlock("job", "b")).isTrue();
    }

    @Test
    void unlockByANonOwnerReturnsFalseAndKeepsTheLock() {
        assertThat(store.tryLock("job", "a", Duration.ofSeconds(10))).isTrue();
        assertThat(store.unlock("job", "b")).isFalse();
        assertThat(store.tryLock("job", "b", Duration.ofSeconds(10))).isFalse();
        assertThat(store.unlock("job", "a")).isTrue();
        assertThat(store.unlock("job", "a")).isFalse();
        assertThat(store.tryLock("job", "b", Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void unlockAfterExpiryReturnsFalse() {
        assertThat(store.tryLock("job", "a", Duration.ofSeconds(1))).isTrue();
        time.advance(Duration.ofSeconds(2));
        assertThat(store.unlock("job", "a")).isFalse();
        assertThat(store.unlock("never", "a")).isFalse();
    }

    @Test
    void theOwnerCanExtendALock() {
        assertThat(store.tryLock("job", "a", Duration.ofSeconds(2))).isTrue();
        time.advance(Duration.ofSeconds(1));
        assertThat(store.extendLock("job", "b", Duration.ofSeconds(10))).isFalse();
        assertThat(store.extendLock("job", "a", Duration.ofSeconds(10))).isTrue();
        time.advance(Duration.ofSeconds(5));
        assertThat(store.tryLock("job", "b", Duration.ofSeconds(10))).isFalse();
        time.advance(Duration.ofSeconds(5));
        assertThat(store.extendLock("job", "a", Duration.ofSeconds(10))).isFalse();
        assertThat(store.tryLock("job", "b", Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void locksDoNotCollideWithKeys() {
        store.set("job", StateValue.of(1L));
        assertThat(store.tryLock("job", "a", Duration.ofSeconds(10))).isTrue();
        assertThat(store.get("job")).contains(StateValue.of(1L));
        assertThat(store.keys("*")).containsExactly("job");
    }

    // ---------------------------------------------------------------- versioned records

    @Test
    void versionedRecordsAreWrittenByCompareAndSetOnTheVersion() {
        assertThat(store.getVersioned("breaker")).isEmpty();
        assertThat(store.compareAndSetVersion("breaker", 0, StateValue.of("closed")))
                .isTrue();
        assertThat(store.getVersioned("breaker")).contains(new VersionedValue(StateValue.of("closed"), 1));
        assertThat(store.compareAndSetVersion("breaker", 0, StateValue.of("open")))
                .isFalse();
        assertThat(store.compareAndSetVersion("breaker", 2, StateValue.of("open")))
                .isFalse();
        assertThat(store.compareAndSetVersion("breaker", 1, StateValue.of("open")))
                .isTrue();
        assertThat(store.getVersioned("breaker")).contains(new VersionedValue(StateValue.of("open"), 2));
    }

    @Test
    void everyWriteBumpsTheVersion() {
        store.set("k", StateValue.of(1L));
        long v1 = store.getVersioned("k").orElseThrow().version();
        store.increment("k", 1);
        long v2 = store.getVersioned("k").orElseThrow().version();
        store.append("s", "a", "");
        store.append("s", "b", "");
        assertThat(v2).isGreaterThan(v1);
        assertThat(store.getVersioned("s").orElseThrow().version()).isEqualTo(2);
        assertThat(store.compareAndSetVersion("k", v1, StateValue.of(9L))).isFalse();
        assertThat(store.compareAndSetVersion("k", v2, StateValue.of(9L))).isTrue();
    }

    @Test
    void anExpiredRecordCountsAsAbsentForVersions() {
        store.set("k", StateValue.of(1L), Duration.ofSeconds(1));
        time.advance(Duration.ofSeconds(1));
        assertThat(store.getVersioned("k")).isEmpty();
        assertThat(store.compareAndSetVersion("k", 0, StateValue.of(2L))).isTrue();
        assertThat(store.getVersioned("k").orElseThrow().value()).isEqualTo(StateValue.of(2L));
    }

    @Test
    void getAllVersionedReadsThePresentKeysWithTheirVersions() {
        store.set("a", StateValue.of(1L));
        store.increment("a", 1);
        store.set("b", StateValue.of("text"));
        store.set("gone", StateValue.of(true), Duration.ofSeconds(1));
        time.advance(Duration.ofSeconds(1));

        Map<String, VersionedValue> all = store.getAllVersioned(List.of("a", "b", "gone", "missing", "a"));

        assertThat(all)
                .containsOnlyKeys("a", "b")
                .containsEntry("a", store.getVersioned("a").orElseThrow())
                .containsEntry("b", store.getVersioned("b").orElseThrow());
        assertThat(store.getAllVersioned(List.of())).isEmpty();
    }

    @Test
    void getAllVersionedReadsManyKeys() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 2_500; i++) {
            keys.add("many:" + i);
            if (i % 3 == 0) {
                store.compareAndSetVersion("many:" + i, 0, StateValue.of((long) i));
            }
        }

        Map<String, VersionedValue> all = store.getAllVersioned(keys);

        assertThat(all).hasSize(834);
        assertThat(all.get("many:2499")).isEqualTo(new VersionedValue(StateValue.of(2_499L), 1));
        assertThat(all).doesNotContainKey("many:2498");
    }

    @Test
    void getAllVersionedRejectsABadKeyBeforeReading() {
        List<String> keys = new ArrayList<>(List.of("a", ""));
        assertThatThrownBy(() -> store.getAllVersioned(keys)).isInstanceOf(IllegalArgumentException.class);
        keys.set(1, null);
        assertThatThrownBy(() -> store.getAllVersioned(keys)).isInstanceOf(NullPointerException.class);
    }

    // ---------------------------------------------------------------- limits and bad input

    @Test
    void badKeysAreRejectedBeforeAnythingChanges() {
        List<String> badKeys = List.of("", "k".repeat(256), "a\0b", "a\uD800b", "\uDC00");
        for (String key : badKeys) {
            assertThatThrownBy(() -> store.set(key, StateValue.of(1L)))
                    .as(key)
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.get(key)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.increment(key, 1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.append(key, "x", "")).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.tryLock(key, "me", Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.tryLock("lock", key, Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(store.keys("*")).isEmpty();
        assertThat(store.tryLock("lock", "me", Duration.ofSeconds(1))).isTrue();
    }

    @Test
    void longestKeysAndSurrogatePairsAreAccepted() {
        String longest = "k".repeat(255);
        store.set(longest, StateValue.of(1L));
        store.set("emoji 😀", StateValue.of(2L));
        assertThat(store.get(longest)).contains(StateValue.of(1L));
        assertThat(store.keys("emoji ?")).containsExactly("emoji 😀");
    }

    /** The store may narrow a glob by its literal prefix; what follows the prefix never hides a key. */
    @Test
    void aGlobFindsEveryKeyWithItsPrefixWhateverFollows() {
        String max = new String(Character.toChars(Character.MAX_CODE_POINT));
        List<String> matching =
                List.of("b", "b ", "ba", "b~", "bé", "b\uFFFF", "b😀", "b😀x", "b" + max, "b" + max + "x");
        matching.forEach(key -> store.set(key, StateValue.of(1L)));
        store.set("a😀", StateValue.of(1L));
        store.set("c", StateValue.of(1L));

        assertThat(store.keys("b*")).containsExactlyInAnyOrderElementsOf(matching);
        assertThat(store.keys("b😀*")).containsExactlyInAnyOrder("b😀", "b😀x");
        assertThat(store.keys("b" + max + "*")).containsExactlyInAnyOrder("b" + max, "b" + max + "x");
        assertThat(store.keys("b *")).containsExactly("b ");
        assertThat(store.clear("b*")).isEqualTo(matching.size());
        assertThat(store.keys("*")).containsExactlyInAnyOrder("a😀", "c");
    }

    /** The Lua binding stores bytes that are not UTF-8 as private-use characters U+F700..U+F7FF next to others. */
    @Test
    void privateUseCharactersAreKeptAndDistinct() {
        List<String> keys = List.of("b\uF700", "b\uF7FF", "b\uF7FE\uF7FF", "b\uF7F0\uF79F\uF798\uF780");
        keys.forEach(key -> store.set(key, StateValue.ofList(List.of(StateValue.of(key)))));

        keys.forEach(
                key -> assertThat(store.get(key)).as(key).contains(StateValue.ofList(List.of(StateValue.of(key)))));
        assertThat(store.keys("b*")).containsExactlyInAnyOrderElementsOf(keys);
    }

    @Test
    void theKeyMessageNamesTheProblem() {
        assertThatThrownBy(() -> store.get("k".repeat(256)))
                .hasMessage("key must be 1 to 255 characters long, was 256");
    }

    @Test
    void oversizedValuesAreRejectedBeforeAnythingChanges() {
        StateValue big = StateValue.of("é".repeat((int) StateStore.DEFAULT_MAX_VALUE_BYTES / 2 + 1));
        assertThatThrownBy(() -> store.set("k", big))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("value must be at most 1048576 bytes, was 1048578");
        assertThatThrownBy(() -> store.compareAndSet("k", Optional.empty(), big))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.compareAndSetVersion("k", 0, big)).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.exists("k")).isFalse();
        StateValue largest = StateValue.of("x".repeat((int) StateStore.DEFAULT_MAX_VALUE_BYTES));
        store.set("k", largest);
        assertThat(store.get("k")).contains(largest);
    }

    @Test
    void badTtlsAreRejectedBeforeAnythingChanges() {
        for (Duration ttl : List.of(Duration.ZERO, Duration.ofMillis(-1), Duration.ofDays(36_501))) {
            assertThatThrownBy(() -> store.set("k", StateValue.of(1L), ttl))
                    .as(ttl.toString())
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.tryLock("l", "me", ttl)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> store.set("k", StateValue.of(1L), Duration.ZERO))
                .hasMessage("ttl must be > 0, was PT0S");
        store.set("k", StateValue.of(1L));
        assertThatThrownBy(() -> store.setTtl("k", Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.extendLock("l", "me", Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(store.getTtl("k")).isEmpty();
        assertThat(store.tryLock("l", "me", Duration.ofSeconds(1))).isTrue();
    }

    @Test
    void otherBadArgumentsAreRejected() {
        assertThatThrownBy(() -> store.set("k", null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> store.get(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> store.keys("a\\")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.decrement("k", Long.MIN_VALUE)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.increment("k", Double.NaN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.append("k", "a\0", "")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.compareAndSetVersion("k", -1, StateValue.of(1L)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(store.exists("k")).isFalse();
    }

    @Test
    void aClosedStoreRefusesOperations() {
        store.set("k", StateValue.of(1L));
        store.close();
        store.close();
        assertThatThrownBy(() -> store.get("k")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> store.increment("k", 1)).isInstanceOf(IllegalStateException.class);
    }

    // ---------------------------------------------------------------- concurrency

    private static final int THREADS = 8;

    /**
     * Runs {@code body} on {@link #THREADS} threads released together by a latch; fails on the first exception.
     *
     * @param body the work of one thread, given its index
     */
    protected static void runConcurrently(ThreadBody body) {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            CountDownLatch start = new CountDownLatch(1);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int index = t;
                Thread thread = new Thread(() -> {
                    try {
                        start.await();
                        body.run(index);
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                });
                thread.start();
                threads.add(thread);
            }
            start.countDown();
            for (Thread thread : threads) {
                thread.join();
            }
            if (failure.get() != null) {
                throw new AssertionError("a worker thread failed", failure.get());
            }
        });
    }

    /** The work of one thread in {@link #runConcurrently}. */
    @FunctionalInterface
    protected interface ThreadBody {
        /**
         * Runs the work.
         *
         * @param index the thread's index, from 0
         * @throws Exception on failure
         */
        void run(int index) throws Exception;
    }

    @Test
    @Tag("concurrency")
    void concurrentIncrementsAreAtomic() {
        Set<Long> returned = ConcurrentHashMap.newKeySet();
        runConcurrently(t -> {
            for (int i = 0; i < 500; i++) {
                returned.add(store.increment("counter", 1));
            }
        });
        assertThat(store.get("counter")).contains(StateValue.of(4000L));
        assertThat(returned).hasSize(4000);
    }

    @Test
    @Tag("concurrency")
    void concurrentAppendsAreAtomic() {
        Set<Long> lengths = ConcurrentHashMap.newKeySet();
        runConcurrently(t -> {
            for (int i = 0; i < 200; i++) {
                lengths.add(store.append("log", "t" + t, ","));
            }
        });
        String log = store.get("log").orElseThrow().asString();
        assertThat(log).hasSize(8 * 200 * 2 + 8 * 200 - 1);
        Map<String, Integer> perThread = new HashMap<>();
        for (String item : log.split(",", -1)) {
            perThread.merge(item, 1, Integer::sum);
        }
        assertThat(perThread).hasSize(8).allSatisfy((item, count) -> assertThat(count)
                .isEqualTo(200));
        assertThat(lengths).hasSize(1600);
    }

    @Test
    @Tag("concurrency")
    @SuppressWarnings("ThreadPriorityCheck") // the yield widens the window in which an overlapping holder loses a count
    void tryLockGuardsANonAtomicCounter() {
        AtomicInteger holders = new AtomicInteger();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger acquisitions = new AtomicInteger();
        int[] counter = new int[1];
        runConcurrently(t -> {
            String owner = "owner-" + t;
            for (int i = 0; i < 200; i++) {
                if (store.tryLock("fuzz", owner, Duration.ofMinutes(5))) {
                    if (holders.incrementAndGet() != 1) {
                        overlaps.incrementAndGet();
                    }
                    int read = counter[0];
                    Thread.yield();
                    counter[0] = read + 1;
                    acquisitions.incrementAndGet();
                    holders.decrementAndGet();
                    if (!store.unlock("fuzz", owner)) {
                        throw new AssertionError("the holder could not unlock");
                    }
                }
            }
        });
        assertThat(overlaps).hasValue(0);
        assertThat(acquisitions.get()).isPositive();
        // The joins order every write to counter[0] before this read.
        assertThat(counter[0]).isEqualTo(acquisitions.get());
    }

    @Test
    @Tag("concurrency")
    void concurrentVersionedWritesLoseNoUpdate() {
        AtomicInteger wins = new AtomicInteger();
        runConcurrently(t -> {
            for (int i = 0; i < 50; i++) {
                while (true) {
                    Optional<VersionedValue> read = store.getVersioned("record");
                    long version = read.map(VersionedValue::version).orElse(0L);
                    long count = read.map(v -> v.value().asLong()).orElse(0L);
                    if (store.compareAndSetVersion("record", version, StateValue.of(count + 1))) {
                        wins.incrementAndGet();
                        break;
                    }
                }
            }
        });
        assertThat(wins).hasValue(400);
        assertThat(store.getVersioned("record")).contains(new VersionedValue(StateValue.of(400L), 400));
    }

    @Test
    @Tag("concurrency")
    void concurrentListPushesKeepEveryElement() {
        runConcurrently(t -> {
            for (int i = 0; i < 50; i++) {
                store.listPush("q", StateValue.of(t * 1000L + i));
            }
        });
        List<StateValue> list = store.get("q").orElseThrow().asList();
        Set<StateValue> distinct = new HashSet<>(list);
        assertThat(list).hasSize(400);
        assertThat(distinct).hasSize(400);
        List<Long> ofThreadZero = new ArrayList<>();
        for (StateValue v : list) {
            if (v.asLong() < 1000) {
                ofThreadZero.add(v.asLong());
            }
        }
        List<Long> sorted = new ArrayList<>(ofThreadZero);
        Collections.sort(sorted);
        assertThat(ofThreadZero).isEqualTo(sorted);
    }
}
