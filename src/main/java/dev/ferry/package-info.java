/**
 * Ferry, a peer-to-peer sync engine. This root package holds only what every capability shares:
 * {@link dev.ferry.FerryException} and the version. Capabilities live in sub-packages whose
 * dependencies point one way: {@code cli -> daemon -> api -> store -> events}, all may use {@code config}.
 */
package dev.ferry;
