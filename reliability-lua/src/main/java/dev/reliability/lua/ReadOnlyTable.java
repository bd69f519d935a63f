package dev.reliability.lua;

import org.luaj.vm2.LuaError;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;

/**
 * A table no script can change. Used for the string metatable, which LuaJ keeps in a static field shared by every
 * runtime in the JVM: were it writable, one script could change {@code ("x"):upper()} for all the others.
 */
class ReadOnlyTable extends LuaTable {
    private final boolean sealed;

    ReadOnlyTable(LuaTable contents) {
        for (LuaValue key = contents.next(LuaValue.NIL).arg1();
                !key.isnil();
                key = contents.next(key).arg1()) {
            super.rawset(key, contents.get(key));
        }
        sealed = true;
    }

    /** Lets the constructor fill the table; refuses every change after it. */
    private void checkWritable() {
        if (sealed) {
            throw new LuaError("attempt to modify a read-only table");
        }
    }

    @Override
    public LuaValue setmetatable(LuaValue metatable) {
        checkWritable();
        return super.setmetatable(metatable);
    }

    @Override
    public void set(int key, LuaValue value) {
        checkWritable();
        super.set(key, value);
    }

    @Override
    public void set(LuaValue key, LuaValue value) {
        checkWritable();
        super.set(key, value);
    }

    @Override
    public void rawset(int key, LuaValue value) {
        checkWritable();
        super.rawset(key, value);
    }

    @Override
    public void rawset(LuaValue key, LuaValue value) {
        checkWritable();
        super.rawset(key, value);
    }

    @Override
    public void hashset(LuaValue key, LuaValue value) {
        checkWritable();
        super.hashset(key, value);
    }

    @Override
    public LuaValue remove(int pos) {
        checkWritable();
        return super.remove(pos);
    }

    @Override
    public void insert(int pos, LuaValue value) {
        checkWritable();
        super.insert(pos, value);
    }

    @Override
    public void sort(LuaValue comparator) {
        checkWritable();
        super.sort(comparator);
    }
}
