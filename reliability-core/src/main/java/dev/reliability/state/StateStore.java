package dev.reliability.state;

import dev.reliability.internal.Preconditions;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A typed key-value store with atomic operations: the state behind the Lua {@code state} module, Java users, and the
 * persisted circuit breakers. Every implementation passes the same contract suite ({@code StateStoreContractTest} in
 * the core test-jar). Store authors extend {@link AbstractStateStore}, which checks the arguments and holds the value
 * rules of every operation, and supply its few accessors.
 *
 * <p><b>Keys</b> are 1 to {@value #MAX_KEY_LENGTH} characters long and contain no NUL character and no unpaired
 * surrogate. <b>Values</b> keep their type ({@link StateValue}) and are at most a store-specific size (by default
 * {@value #DEFAULT_MAX_VALUE_BYTES} bytes, counted by {@link StateValue#encodedSize()}). A bad argument throws {@link
 * IllegalArgumentException} before anything changes.
 *
 * <p><b>Expiry.</b> A key written with a TTL disappears when the TTL has passed: it is then absent for every
 * operation. TTLs have millisecond resolution; a positive TTL under a millisecond counts as one.
 *
 * <p><b>Locks</b> live in their own namespace, apart from keys. A lock is held by one owner until it is unlocked or its
 * TTL passes; it is not re-entrant.
 *
 * <p><b>Failures.</b> A store that cannot complete an operation throws {@link StateStoreException}; operations on a
 * closed store throw {@link IllegalStateException}. Implementations are thread-safe.
 */
public interface StateStore extends AutoCloseable {

    /** The longest key, in UTF-16 characters. */
    int MAX_KEY_LENGTH = 255;

    /** The default maximum size of a value, in bytes: 1 MiB. */
    long DEFAULT_MAX_VALUE_BYTES = 1L << 20;

    /**
     * Returns the value of a key.
     *
     * @param key the key
     * @return the value, or empty if the key is absent or expired
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is not a valid key
     * @throws StateStoreException if the store fails
     */
    Optional<StateValue> get(String key);

    /**
     * Sets a key to a value that never expires, replacing any value and TTL it had.
     *
     * @param key the key
     * @param value the value
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the key is not valid or the value is too large
     * @throws StateStoreException if the store fails
     */
    void set(String key, StateValue value);

    /**
     * Sets a key to a value that expires after {@code ttl}, replacing any value and TTL it had.
     *
     * @param key the key
     * @param value the value
     * @param ttl how long the key lives; must be positive
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the key is not valid, the value is too large or {@code ttl} is not positive
     * @throws StateStoreException if the store fails
     */
    void set(String key, StateValue value, Duration ttl);

    /**
     * Removes a key.
     *
     * @param key the key
     * @return whether a live key was removed
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is not a valid key
     * @throws StateStoreException if the store fails
     */
    boolean delete(String key);

    /**
     * Returns whether a key is present and not expired.
     *
     * @param key the key
     * @return whether the key exists
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is not a valid key
     * @throws StateStoreException if the store fails
     */
    boolean exists(String key);

    /**
     * Returns the live keys that match a glob, sorted in {@link String#compareTo} order. In a glob, {@code *} matches
     * any run of characters (none included), {@code ?} matches exactly one character, and a backslash makes the next
     * character literal.
     *
     * @param glob the pattern, such as {@code "circuit:*"}
     * @return the matching keys, sorted
     * @throws NullPointerException if {@code glob} is null
     * @throws IllegalArgumentException if {@code glob} ends with a lone backslash
     * @throws StateStoreException if the store fails
     */
    List<String> keys(String glob);

    /**
     * Removes every live key that matches a glob (see {@link #keys(String)}). Locks are not affected.
     *
     * @param glob the pattern
     * @return the number of keys removed
     * @throws NullPointerException if {@code glob} is null
     * @throws IllegalArgumentException if {@code glob} ends with a lone backslash
     * @throws StateStoreException if the store fails
     */
    long clear(String glob);

    /**
     * Atomically adds {@code delta} to a whole-number counter and returns the new value. An absent key counts as 0 and
     * keeps no TTL; a present key keeps its TTL. A string holding a whole number counts as that number (and the result
     * is stored as a {@link StateValue.Type#LONG}).
     *
     * @param key the key
     * @param delta the amount to add, possibly negative
     * @return the new value
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is not a valid key
     * @throws StateStoreException of kind {@link StateStoreException.Kind#WRONG_TYPE} if the value is not a whole
     *     number, or {@link StateStoreException.Kind#OVERFLOW} if the result does not fit a {@code long}; the value is
     *     then unchanged. Other kinds if the store fails
     */
    long increment(String key, long delta);

    /**
     * Atomically subtracts {@code delta} from a whole-number counter, as {@link #increment(String, long)} with {@code
     * -delta}.
     *
     * @param key the key
     * @param delta the amount to subtract; must not be {@link Long#MIN_VALUE}
     * @return the new value
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is not a valid key or {@code delta} is {@link Long#MIN_VALUE}
     * @throws StateStoreException as {@link #increment(String, long)}
     */
    default long decrement(String key, long delta) {
        Preconditions.checkArgument(delta != Long.MIN_VALUE, "delta must be > %s, was %s", Long.MIN_VALUE, delta);
        return increment(key, -delta);
    }

    /**
     * Atomically adds a floating-point {@code delta} to a number and returns the new value, which is stored as a {@link
     * StateValue.Type#DOUBLE}. An absent key counts as 0; any number, or a string holding a decimal number, counts as
     * that number.
     *
     * @param key the key
     * @param delta the amount to add; must be finite
     * @return the new value
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is not a valid key or {@code delta} is not finite
     * @throws StateStoreException of kind {@link StateStoreException.Kind#WRONG_TYPE} if the value is not numeric, or
     *     {@link StateStoreException.Kind#OVERFLOW} if the result is not finite; the value is then unchanged. Other
     *     kinds if the store fails
     */
    double increment(String key, double delta);

    /**
     * Atomically appends text to a string value and returns its new length in Unicode code points (the characters SQL's
     * {@code CHAR_LENGTH} counts; an emoji counts as one). An absent key becomes
     * {@code text}; a present one becomes {@code old + separator + text}, so the separator goes only between items.
     * The key keeps its TTL.
     *
     * @param key the key
     * @param text the text to append
     * @param separator the text between the old value and the new one, possibly empty
     * @return the length of the new value
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the key is not valid, {@code text} or {@code separator} contains a NUL or an
     *     unpaired surrogate, or the result would be larger than the store's maximum value size
     * @throws StateStoreException of kind {@link StateStoreException.Kind#WRONG_TYPE} if the value is not a string;
     *     other kinds if the store fails
     */
    long append(String key, String text, String separator);

    /**
     * Atomically replaces a key's value if it equals {@code expected}, or, when {@code expected} is empty, sets the
     * key if it is absent. The new value never expires.
     *
     * @param key the key
     * @param expected the value the key must hold, or empty if it must be absent
     * @param newValue the new value
     * @return whether the value was replaced
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the key is not valid or the new value is too large
     * @throws StateStoreException if the store fails
     */
    boolean compareAndSet(String key, Optional<StateValue> expected, StateValue newValue);

    /**
     * Returns the time a key has left to live.
     *
     * @param key the key
     * @return the remaining time, or empty if the key is absent or never expires
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is not a valid key
     * @throws StateStoreException if the store fails
     */
    Optional<Duration> getTtl(String key);

    /**
     * Makes a live key expire after {@code ttl} from now, keeping its value.
     *
     * @param key the key
     * @param ttl the new time to live; must be positive
     * @return whether the key existed
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the key is not valid or {@code ttl} is not positive
     * @throws StateStoreException if the store fails
     */
    boolean setTtl(String key, Duration ttl);

    /**
     * Atomically appends a value to the end of a list and returns the list's new length. An absent key becomes a list
     * of one element; the key keeps its TTL.
     *
     * @param key the key
     * @param value the element
     * @return the new length
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the key is not valid or the resulting list is too large
     * @throws StateStoreException of kind {@link StateStoreException.Kind#WRONG_TYPE} if the value is not a list;
     *     other kinds if the store fails
     */
    long listPush(String key, StateValue value);

    /**
     * Atomically removes and returns the last element of a list. A list left empty stays, empty.
     *
     * @param key the key
     * @return the element, or empty if the key is absent or the list is empty
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is not a valid key
     * @throws StateStoreException of kind {@link StateStoreException.Kind#WRONG_TYPE} if the value is not a list;
     *     other kinds if the store fails
     */
    Optional<StateValue> listPop(String key);

    /**
     * Returns the length of a list.
     *
     * @param key the key
     * @return the number of elements, 0 if the key is absent
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is not a valid key
     * @throws StateStoreException of kind {@link StateStoreException.Kind#WRONG_TYPE} if the value is not a list;
     *     other kinds if the store fails
     */
    long listLength(String key);

    /**
     * Acquires a lock if it is free or its previous holder's TTL has passed. Not re-entrant: an owner that already
     * holds the lock gets {@code false} (use {@link #extendLock} to keep it longer).
     *
     * @param name the lock's name, following the key rules
     * @param owner who takes it, such as {@code "host/pid/thread"}; following the key rules
     * @param ttl how long the lock is held unless released or extended; must be positive
     * @return whether the lock was acquired
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the name or owner is not valid or {@code ttl} is not positive
     * @throws StateStoreException if the store fails
     */
    boolean tryLock(String name, String owner, Duration ttl);

    /**
     * Makes a lock that {@code owner} holds expire after {@code ttl} from now.
     *
     * @param name the lock's name
     * @param owner the holder
     * @param ttl the new time to live; must be positive
     * @return whether {@code owner} held the lock, which is now extended
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the name or owner is not valid or {@code ttl} is not positive
     * @throws StateStoreException if the store fails
     */
    boolean extendLock(String name, String owner, Duration ttl);

    /**
     * Releases a lock that {@code owner} holds.
     *
     * @param name the lock's name
     * @param owner the holder
     * @return whether {@code owner} held the lock; {@code false} for another owner or an expired lock
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the name or owner is not valid
     * @throws StateStoreException if the store fails
     */
    boolean unlock(String name, String owner);

    /**
     * Returns a key's value with its version.
     *
     * @param key the key
     * @return the value and version, or empty if the key is absent or expired
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code key} is not a valid key
     * @throws StateStoreException if the store fails
     */
    Optional<VersionedValue> getVersioned(String key);

    /**
     * Atomically writes a value if the key's version is {@code expectedVersion}, or, when {@code expectedVersion} is 0,
     * if the key is absent or expired. On success the value never expires and the version becomes {@code
     * expectedVersion + 1}; a key that replaces an expired one may instead continue from the expired one's version.
     *
     * @param key the key
     * @param expectedVersion the version read, or 0 for an absent key
     * @param value the new value
     * @return whether the value was written
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the key is not valid, the value is too large or {@code expectedVersion} is
     *     negative
     * @throws StateStoreException if the store fails
     */
    boolean compareAndSetVersion(String key, long expectedVersion, StateValue value);

    /**
     * Returns the values and versions of several keys, in as few round trips as the store can manage. The result is the
     * same as calling {@link #getVersioned(String)} for each key, though not necessarily at one instant: each entry is
     * a value the key held during the call. The default does exactly that; stores that can read many keys at once
     * override it.
     *
     * <p>A registry's sync worker calls this once per sync interval with the keys of all its breaker and budget
     * records, so its cost decides the store load of an idle fleet.
     *
     * @param keys the keys, in any order; duplicates are read once
     * @return a map from each present key to its value and version; absent and expired keys are left out
     * @throws NullPointerException if {@code keys} or one of them is null
     * @throws IllegalArgumentException if a key is not valid; nothing is read then
     * @throws StateStoreException if the store fails
     */
    default Map<String, VersionedValue> getAllVersioned(Collection<String> keys) {
        Objects.requireNonNull(keys, "keys");
        for (String key : keys) {
            AbstractStateStore.checkKey(key, "key");
        }
        Map<String, VersionedValue> values = new HashMap<>();
        for (String key : keys) {
            getVersioned(key).ifPresent(v -> values.put(key, v));
        }
        return values;
    }

    /**
     * Asks the store to tell {@code listener} when a key that starts with {@code keyPrefix} is written, by any process
     * sharing the store. Stores that cannot push changes return empty, and callers poll instead; the default does so.
     *
     * <p>A notification says only that a key may have changed: the listener reads the key to learn its value. Listeners
     * run on a thread of the store, must be quick and must not throw. Where notifications may have been lost (the
     * store's connection dropped and was opened again), the store calls {@link ChangeListener#missed()}, after which
     * the listener should read every key it cares about.
     *
     * @param keyPrefix the prefix of the keys to watch, possibly empty
     * @param listener told of changes
     * @return a watch to close when changes are no longer wanted, or empty if the store cannot push changes
     * @throws NullPointerException if an argument is null
     * @throws StateStoreException if the store can push changes but failed to start
     */
    default Optional<Watch> watch(String keyPrefix, ChangeListener listener) {
        Objects.requireNonNull(keyPrefix, "keyPrefix");
        Objects.requireNonNull(listener, "listener");
        return Optional.empty();
    }

    /** Told of writes to watched keys (see {@link #watch(String, ChangeListener)}). */
    interface ChangeListener {

        /**
         * A key may have been written.
         *
         * @param key the key
         */
        void changed(String key);

        /** Notifications may have been lost; every watched key may have changed. */
        void missed();
    }

    /** A running watch (see {@link #watch(String, ChangeListener)}). */
    interface Watch extends AutoCloseable {

        /** Stops notifications; closing twice does nothing. */
        @Override
        void close();
    }

    /** Releases the store's resources. Closing twice does nothing; any later operation throws. */
    @Override
    void close();

    /** The longest TTL a store accepts: 100 years (36500 days). */
    Duration MAX_TTL = Duration.ofDays(36_500);
}
