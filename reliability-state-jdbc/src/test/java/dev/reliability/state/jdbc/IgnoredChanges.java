package dev.reliability.state.jdbc;

import dev.reliability.state.StateStore;

/** A change listener for tests that only ask whether a store can watch at all. */
final class IgnoredChanges implements StateStore.ChangeListener {
    @Override
    public void changed(String key) {}

    @Override
    public void missed() {}
}
