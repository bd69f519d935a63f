package dev.reliability.state;

import dev.reliability.internal.Preconditions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A base for {@link StateStore} implementations; for store authors, not for users, who program against {@link
 * StateStore}. It holds what every store must do the same way, once:
 *
 * <ul>
 *   <li>the <b>argument checks</b> of every operation (key rules, value size, TTL range and rounding, globs, deltas),
 *       done before the store is touched, so that a bad argument changes nothing;
 *   <li>the <b>value rules</b> of the read-modify-write operations: how {@code increment} reads a number, {@code
 *       append} a string and the list operations a list, when they fail with {@link StateStoreException.Kind#WRONG_TYPE}
 *       or {@link StateStoreException.Kind#OVERFLOW}, and which TTL the result keeps.
 * </ul>
 *
 * <p>A store supplies a few accessors: {@link #update} (one atomic read-modify-write of a key, the heart of it),
 * {@link #read}, {@link #write}, {@link #remove}, {@link #expire}, {@link #liveKeys}, {@link #remainingTtl}, {@link
 * #writeIfVersion}, the three lock accessors and {@link #close()}. Every other operation is written here in terms of
 * them. A store may override the protected operation methods ({@link #add(String, long)}, {@link #appendText}, {@link
 * #removeMatching}, {@link #readAll}) with a faster path of its own, such as one SQL statement, as long as the result
 * is the same; the public methods are final, so the checks always run.
 *
 * <p>Accessors and operation methods get checked arguments: valid keys, values within the size limit, TTLs in
 * milliseconds. They throw {@link StateStoreException} when the store fails and {@link IllegalStateException} when it
 * is closed.
 *
 * <p>Thread-safety: this class holds no mutable state; a subclass must make its accessors thread-safe and {@link
 * #update} atomic.
 */
public abstract class AbstractStateStore implements StateStore {

    private final String storeName;
    private final long maxValueBytes;

    /**
     * Creates the base of a store.
     *
     * @param storeName the store's name in {@link StateStoreException}s, such as {@code "memory"}
     * @param maxValueBytes the largest value accepted, in bytes as {@link StateValue#encodedSize()} counts them
     * @throws NullPointerException if {@code storeName} is null
     * @throws IllegalArgumentException if {@code maxValueBytes} is less than 1
     */
    protected AbstractStateStore(String storeName, long maxValueBytes) {
        this.storeName = Objects.requireNonNull(storeName, "storeName");
        this.maxValueBytes = Preconditions.checkAtLeast(maxValueBytes, 1L, "maxValueBytes");
    }

    // ------------------------------------------------------------------ what a store supplies

    /**
     * Atomically reads a key's live value, computes a {@link Change} from it and applies the change: no other write to
     * the key may come in between. An expired key counts as absent. Each write gives the key the next version (1 for a
     * key that was absent, unless the store continues an expired key's versions).
     *
     * <p>{@code change} gets the live value, or null if the key is absent; it has no side effects and may be called
     * more than once (a store that writes by compare-and-set calls it again after losing a race). If it throws, nothing
     * is written and the exception propagates.
     *
     * @param key the key, already checked
     * @param operation the public operation's name, for errors, such as {@code "increment"}
     * @param change computes the change from the live value
     * @param <R> the type of the result
     * @return the change's {@link Change#result()}
     * @throws StateStoreException if the store fails
     */
    protected abstract <R> R update(String key, String operation, Function<StateValue, Change<R>> change);

    /**
     * Sets a key, replacing any value and TTL it had, as {@link #set(String, StateValue, Duration)} describes.
     *
     * @param key the key, already checked
     * @param value the value, already checked
     * @param ttlMillis the TTL in milliseconds, or 0 for a value that never expires
     * @throws StateStoreException if the store fails
     */
    protected abstract void write(String key, StateValue value, long ttlMillis);

    /**
     * Removes a key.
     *
     * @param key the key, already checked
     * @return whether a live key was removed
     * @throws StateStoreException if the store fails
     */
    protected abstract boolean remove(String key);

    /**
     * Gives a live key a new TTL from now, keeping its value.
     *
     * @param key the key, already checked
     * @param ttlMillis the TTL in milliseconds, at least 1
     * @return whether the key was live
     * @throws StateStoreException if the store fails
     */
    protected abstract boolean expire(String key, long ttlMillis);

    /**
     * Reads a key's live value with its version.
     *
     * @param key the key, already checked
     * @param operation the public operation's name, for errors, such as {@code "get"}
     * @return the value and version, or empty if the key is absent or expired
     * @throws StateStoreException if the store fails
     */
    protected abstract Optional<VersionedValue> read(String key, String operation);

    /**
     * Returns the live keys that start with {@code prefix} and match {@code matcher}, sorted.
     *
     * @param matcher the whole-key test of the glob
     * @param prefix the glob's literal prefix (see {@link #globPrefix(String)}), for narrowing the search
     * @return the keys, sorted in {@link String#compareTo} order
     * @throws StateStoreException if the store fails
     */
    protected abstract List<String> liveKeys(Predicate<String> matcher, String prefix);

    /**
     * Returns the time a live key has left, rounded up to whole milliseconds.
     *
     * @param key the key, already checked
     * @return the remaining time, or empty if the key is absent, expired or never expires
     * @throws StateStoreException if the store fails
     */
    protected abstract Optional<Duration> remainingTtl(String key);

    /**
     * Writes a never-expiring value if the key's version is {@code expectedVersion} (0: absent or expired), as {@link
     * #compareAndSetVersion(String, long, StateValue)} describes.
     *
     * @param key the key, already checked
     * @param expectedVersion the expected version, at least 0
     * @param value the value, already checked
     * @return whether it was written
     * @throws StateStoreException if the store fails
     */
    protected abstract boolean writeIfVersion(String key, long expectedVersion, StateValue value);

    /**
     * Takes a lock that is free or whose holder's TTL has passed (see {@link #tryLock(String, String, Duration)}).
     *
     * @param name the lock's name, already checked
     * @param owner the owner, already checked
     * @param ttlMillis the TTL in milliseconds, at least 1
     * @return whether the lock was taken
     * @throws StateStoreException if the store fails
     */
    protected abstract boolean lockAcquire(String name, String owner, long ttlMillis);

    /**
     * Extends a live lock that {@code owner} holds (see {@link #extendLock(String, String, Duration)}).
     *
     * @param name the lock's name, already checked
     * @param owner the owner, already checked
     * @param ttlMillis the new TTL in milliseconds, at least 1
     * @return whether {@code owner} held the lock
     * @throws StateStoreException if the store fails
     */
    protected abstract boolean lockExtend(String name, String owner, long ttlMillis);

    /**
     * Releases a live lock that {@code owner} holds (see {@link #unlock(String, String)}).
     *
     * @param name the lock's name, already checked
     * @param owner the owner, already checked
     * @return whether {@code owner} held the lock
     * @throws StateStoreException if the store fails
     */
    protected abstract boolean lockRelease(String name, String owner);

    // ------------------------------------------------------------------ the change of one update

    /**
     * What one {@link #update} does to a key: nothing, or write a value that keeps the key's TTL or has none; and what
     * the operation returns.
     *
     * <p>Immutable and thread-safe.
     *
     * @param <R> the type of the result
     */
    public static final class Change<R> {
        private final StateValue value;
        private final boolean keepTtl;
        private final R result;

        private Change(StateValue value, boolean keepTtl, R result) {
            this.value = value;
            this.keepTtl = keepTtl;
            this.result = result;
        }

        /**
         * Changes nothing.
         *
         * @param result what the operation returns
         * @param <R> the type of the result
         * @return the change
         */
        public static <R> Change<R> none(R result) {
            return new Change<>(null, false, result);
        }

        /**
         * Writes a value and keeps the key's TTL; a key that was absent gets none.
         *
         * @param value the new value
         * @param result what the operation returns
         * @param <R> the type of the result
         * @return the change
         */
        public static <R> Change<R> keepTtl(StateValue value, R result) {
            return new Change<>(Objects.requireNonNull(value, "value"), true, result);
        }

        /**
         * Writes a value that never expires.
         *
         * @param value the new value
         * @param result what the operation returns
         * @param <R> the type of the result
         * @return the change
         */
        public static <R> Change<R> replace(StateValue value, R result) {
            return new Change<>(Objects.requireNonNull(value, "value"), false, result);
        }

        /**
         * Returns the value to write.
         *
         * @return the value, or null if nothing is written
         */
        public StateValue value() {
            return value;
        }

        /**
         * Returns whether the written value keeps the key's TTL; if not, it never expires.
         *
         * @return whether this is {@link #keepTtl}
         */
        public boolean keepsTtl() {
            return keepTtl;
        }

        /**
         * Returns what the operation returns.
         *
         * @return the result
         */
        public R result() {
            return result;
        }
    }

    // ------------------------------------------------------------------ operations a store may speed up

    /**
     * Removes every live key that matches. By default {@link #remove} for each of {@link #liveKeys}.
     *
     * @param matcher the whole-key test of the glob
     * @param prefix the glob's literal prefix
     * @return the number of keys removed
     */
    protected long removeMatching(Predicate<String> matcher, String prefix) {
        long removed = 0;
        for (String key : liveKeys(matcher, prefix)) {
            if (remove(key)) {
                removed++;
            }
        }
        return removed;
    }

    /**
     * Adds to a whole-number counter, as {@link #increment(String, long)} describes. By default an {@link #update}.
     *
     * @param key the key, already checked
     * @param delta the amount to add
     * @return the new value
     */
    protected long add(String key, long delta) {
        return update(key, "increment", current -> addLong(current, delta)).asLong();
    }

    /**
     * Appends text to a string, as {@link #append(String, String, String)} describes. By default an {@link #update}.
     *
     * @param key the key, already checked
     * @param text the text, already checked
     * @param separator the separator, already checked
     * @return the new length in code points
     */
    protected long appendText(String key, String text, String separator) {
        return update(key, "append", current -> {
            String result;
            if (current == null) {
                result = text;
            } else if (current.type() != StateValue.Type.STRING) {
                throw wrongType("append");
            } else {
                result = current.asString() + separator + text;
            }
            return Change.keepTtl(checkValue(StateValue.of(result)), (long) result.codePointCount(0, result.length()));
        });
    }

    /**
     * Reads several distinct keys, as {@link #getAllVersioned(Collection)} describes. By default {@link #read} for
     * each.
     *
     * @param keys the keys, already checked, without duplicates, not empty
     * @return the present keys' values and versions
     */
    protected Map<String, VersionedValue> readAll(List<String> keys) {
        Map<String, VersionedValue> values = new HashMap<>();
        for (String key : keys) {
            read(key, "getAllVersioned").ifPresent(v -> values.put(key, v));
        }
        return values;
    }

    // ------------------------------------------------------------------ the value rules, once

    /**
     * The change of a whole-number increment: an absent key counts as 0, a {@code LONG} or a string holding a whole
     * number as that number; the result keeps the TTL and is also the change's result.
     */
    private Change<StateValue> addLong(StateValue current, long delta) {
        long base = 0;
        if (current != null) {
            // A LONG, the common case, is read without the Optional of toNumber().
            StateValue number = current.type() == StateValue.Type.LONG
                    ? current
                    : current.toNumber().orElseThrow(() -> wrongType("increment"));
            if (number.type() != StateValue.Type.LONG) {
                throw wrongType("increment");
            }
            base = number.asLong();
        }
        long sum;
        try {
            sum = Math.addExact(base, delta);
        } catch (ArithmeticException overflow) {
            throw new StateStoreException(StateStoreException.Kind.OVERFLOW, "increment", storeName, null, overflow);
        }
        StateValue value = StateValue.of(sum);
        return Change.keepTtl(value, value);
    }

    private static List<StateValue> listOf(StateValue current, StateStoreException wrongType) {
        if (current == null) {
            return new ArrayList<>();
        }
        if (current.type() != StateValue.Type.LIST) {
            throw wrongType;
        }
        return new ArrayList<>(current.asList());
    }

    /**
     * Returns a failure of kind {@link StateStoreException.Kind#WRONG_TYPE} for an operation, naming this store.
     *
     * @param operation the operation
     * @return the failure, to throw
     */
    protected final StateStoreException wrongType(String operation) {
        return new StateStoreException(StateStoreException.Kind.WRONG_TYPE, operation, storeName, null, null);
    }

    /**
     * Checks a value against this store's maximum size.
     *
     * @param value the value
     * @return the value
     * @throws NullPointerException if {@code value} is null
     * @throws IllegalArgumentException if the value is larger
     */
    protected final StateValue checkValue(StateValue value) {
        Objects.requireNonNull(value, "value");
        long size = value.encodedSize();
        Preconditions.checkArgument(
                size <= maxValueBytes, "value must be at most %s bytes, was %s", maxValueBytes, size);
        return value;
    }

    /**
     * Returns the largest value this store accepts, in bytes.
     *
     * @return the limit
     */
    protected final long maxValueBytes() {
        return maxValueBytes;
    }

    /**
     * Returns the store's name in failures.
     *
     * @return the name, such as {@code "memory"}
     */
    protected final String storeName() {
        return storeName;
    }

    // ------------------------------------------------------------------ the public operations: checks, then work

    @Override
    public final Optional<StateValue> get(String key) {
        checkKey(key, "key");
        return read(key, "get").map(VersionedValue::value);
    }

    @Override
    public final void set(String key, StateValue value) {
        checkKey(key, "key");
        checkValue(value);
        write(key, value, 0);
    }

    @Override
    public final void set(String key, StateValue value, Duration ttl) {
        checkKey(key, "key");
        checkValue(value);
        write(key, value, checkTtl(ttl));
    }

    @Override
    public final boolean delete(String key) {
        checkKey(key, "key");
        return remove(key);
    }

    @Override
    public final boolean exists(String key) {
        checkKey(key, "key");
        return read(key, "exists").isPresent();
    }

    @Override
    public final List<String> keys(String glob) {
        return liveKeys(globMatcher(glob), globPrefix(glob));
    }

    @Override
    public final long clear(String glob) {
        return removeMatching(globMatcher(glob), globPrefix(glob));
    }

    @Override
    public final long increment(String key, long delta) {
        checkKey(key, "key");
        return add(key, delta);
    }

    @Override
    public final double increment(String key, double delta) {
        checkKey(key, "key");
        Preconditions.checkArgument(Double.isFinite(delta), "delta must be a finite number, was %s", delta);
        return update(key, "increment", current -> {
                    double base = current == null
                            ? 0
                            : current.toNumber()
                                    .orElseThrow(() -> wrongType("increment"))
                                    .asDouble();
                    double sum = base + delta;
                    if (!Double.isFinite(sum)) {
                        throw new StateStoreException(
                                StateStoreException.Kind.OVERFLOW, "increment", storeName, null, null);
                    }
                    StateValue value = StateValue.of(sum);
                    return Change.keepTtl(value, value);
                })
                .asDouble();
    }

    @Override
    public final long append(String key, String text, String separator) {
        checkKey(key, "key");
        long textBytes = StateValue.of(text).encodedSize();
        StateValue.checkText(separator, "separator");
        // Text alone over the limit can never fit: rejected before the store is touched.
        Preconditions.checkArgument(
                textBytes <= maxValueBytes, "value must be at most %s bytes, was %s", maxValueBytes, textBytes);
        return appendText(key, text, separator);
    }

    @Override
    public final boolean compareAndSet(String key, Optional<StateValue> expected, StateValue newValue) {
        checkKey(key, "key");
        Objects.requireNonNull(expected, "expected");
        checkValue(newValue);
        return update(
                key,
                "compareAndSet",
                current -> Optional.ofNullable(current).equals(expected)
                        ? Change.replace(newValue, true)
                        : Change.none(false));
    }

    @Override
    public final Optional<Duration> getTtl(String key) {
        checkKey(key, "key");
        return remainingTtl(key);
    }

    @Override
    public final boolean setTtl(String key, Duration ttl) {
        checkKey(key, "key");
        return expire(key, checkTtl(ttl));
    }

    @Override
    public final long listPush(String key, StateValue value) {
        checkKey(key, "key");
        Objects.requireNonNull(value, "value");
        return update(key, "listPush", current -> {
            List<StateValue> list = listOf(current, wrongType("listPush"));
            list.add(value);
            return Change.keepTtl(checkValue(StateValue.ofList(list)), (long) list.size());
        });
    }

    @Override
    public final Optional<StateValue> listPop(String key) {
        checkKey(key, "key");
        return update(key, "listPop", current -> {
            List<StateValue> list = listOf(current, wrongType("listPop"));
            if (list.isEmpty()) {
                return Change.none(Optional.<StateValue>empty());
            }
            StateValue last = list.remove(list.size() - 1);
            return Change.keepTtl(StateValue.ofList(list), Optional.of(last));
        });
    }

    @Override
    public final long listLength(String key) {
        checkKey(key, "key");
        return listOf(read(key, "listLength").map(VersionedValue::value).orElse(null), wrongType("listLength"))
                .size();
    }

    @Override
    public final boolean tryLock(String name, String owner, Duration ttl) {
        checkLock(name, owner);
        return lockAcquire(name, owner, checkTtl(ttl));
    }

    @Override
    public final boolean extendLock(String name, String owner, Duration ttl) {
        checkLock(name, owner);
        return lockExtend(name, owner, checkTtl(ttl));
    }

    @Override
    public final boolean unlock(String name, String owner) {
        checkLock(name, owner);
        return lockRelease(name, owner);
    }

    @Override
    public final Optional<VersionedValue> getVersioned(String key) {
        checkKey(key, "key");
        return read(key, "getVersioned");
    }

    @Override
    public final boolean compareAndSetVersion(String key, long expectedVersion, StateValue value) {
        checkKey(key, "key");
        Preconditions.checkAtLeast(expectedVersion, 0L, "expectedVersion");
        checkValue(value);
        return writeIfVersion(key, expectedVersion, value);
    }

    @Override
    public final Map<String, VersionedValue> getAllVersioned(Collection<String> keys) {
        Objects.requireNonNull(keys, "keys");
        List<String> distinct = new ArrayList<>(new LinkedHashSet<>(keys));
        for (String key : distinct) {
            checkKey(key, "key"); // every key first: a bad one reads nothing
        }
        return distinct.isEmpty() ? new HashMap<>() : readAll(distinct);
    }

    private static void checkLock(String name, String owner) {
        checkKey(name, "name");
        checkKey(owner, "owner");
    }

    // ------------------------------------------------------------------ the rules, for stores and their users

    /**
     * Checks a key, or a lock's name or owner, against the key rules of {@link StateStore}.
     *
     * @param key the key
     * @param name the parameter's name for the message, such as {@code "key"}
     * @return the key
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if the key is empty, longer than {@value StateStore#MAX_KEY_LENGTH} characters,
     *     or has a NUL or an unpaired surrogate
     */
    public static String checkKey(String key, String name) {
        Objects.requireNonNull(key, name);
        Preconditions.checkArgument(
                !key.isEmpty() && key.length() <= MAX_KEY_LENGTH,
                "%s must be 1 to %s characters long, was %s",
                name,
                MAX_KEY_LENGTH,
                key.length());
        return StateValue.checkText(key, name);
    }

    /**
     * Checks a TTL and returns it in whole milliseconds, rounding a sub-millisecond remainder up.
     *
     * @param ttl the TTL
     * @return the TTL in milliseconds, at least 1
     * @throws NullPointerException if {@code ttl} is null
     * @throws IllegalArgumentException if {@code ttl} is not positive or longer than {@link StateStore#MAX_TTL}
     */
    protected static long checkTtl(Duration ttl) {
        Preconditions.checkPositive(ttl, "ttl");
        Preconditions.checkArgument(ttl.compareTo(MAX_TTL) <= 0, "ttl must be <= %s, was %s", MAX_TTL, ttl);
        long millis = ttl.toMillis();
        return ttl.equals(Duration.ofMillis(millis)) ? millis : millis + 1;
    }

    /**
     * Returns a test that tells whether a whole key matches a glob (see {@link #keys(String)}). The match takes time
     * proportional to at most the key's length times the glob's, never more: a glob is not a regular expression and
     * does not backtrack, so no glob can make {@code keys} run for long.
     *
     * @param glob the glob
     * @return a thread-safe test on keys
     * @throws NullPointerException if {@code glob} is null
     * @throws IllegalArgumentException if {@code glob} ends with a lone backslash
     */
    protected static Predicate<String> globMatcher(String glob) {
        Objects.requireNonNull(glob, "glob");
        int backslashes = 0;
        for (int i = glob.length() - 1; i >= 0 && glob.charAt(i) == '\\'; i--) {
            backslashes++;
        }
        Preconditions.checkArgument(backslashes % 2 == 0, "glob must not end with a lone backslash, was %s", glob);
        return key -> globMatches(glob, key);
    }

    /**
     * The classic two-pointer wildcard match: on a mismatch, go back to the last {@code *} and let it take one more
     * character. Each step moves the key pointer forward or the restart point forward, so there is no blowup.
     */
    private static boolean globMatches(String glob, String key) {
        int g = 0;
        int k = 0;
        int afterStar = -1; // glob position after the last '*', or -1
        int starKey = 0; // key position that '*' was last tried to end at
        while (k < key.length()) {
            if (g < glob.length()) {
                char c = glob.charAt(g);
                if (c == '*') {
                    afterStar = ++g;
                    starKey = k;
                    continue;
                }
                if (c == '?') {
                    g++;
                    k += Character.charCount(key.codePointAt(k));
                    continue;
                }
                char literal = c == '\\' ? glob.charAt(g + 1) : c;
                if (literal == key.charAt(k)) {
                    g += c == '\\' ? 2 : 1;
                    k++;
                    continue;
                }
            }
            if (afterStar < 0) {
                return false;
            }
            g = afterStar;
            starKey += Character.charCount(key.codePointAt(starKey));
            k = starKey;
        }
        while (g < glob.length() && glob.charAt(g) == '*') {
            g++;
        }
        return g == glob.length();
    }

    /**
     * Returns the literal text every key that matches a glob starts with, for implementations that narrow a search by
     * prefix before matching with {@link #globMatcher(String)}.
     *
     * @param glob the glob
     * @return the literal prefix, possibly empty
     * @throws NullPointerException if {@code glob} is null
     */
    protected static String globPrefix(String glob) {
        StringBuilder prefix = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*' || c == '?') {
                break;
            }
            if (c == '\\') {
                if (i + 1 >= glob.length()) {
                    break;
                }
                c = glob.charAt(++i);
            }
            prefix.append(c);
        }
        return prefix.toString();
    }
}
