/**
 * Helpers shared by several packages of the core. Not exported from the module and not part of the API: no other
 * module may use it.
 */
package dev.reliability.internal;
