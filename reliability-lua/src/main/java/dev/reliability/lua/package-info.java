/**
 * The Lua binding: the seed's {@code reliability}, {@code state} and {@code log} modules (and a small {@code http})
 * on LuaJ, a sandbox with resource limits, and a command-line runner.
 *
 * <p>{@link dev.reliability.lua.ReliabilityLua} installs the modules into a LuaJ {@code Globals}; {@link
 * dev.reliability.lua.LuaSandbox} builds a locked-down {@code Globals} with them and runs scripts under its limits;
 * {@link dev.reliability.lua.Main} is the CLI. A {@code Globals} belongs to one thread at a time.
 */
package dev.reliability.lua;
