/**
 * The emulated provider's identity, measurement, OSGi component and configuration. Not exported.
 */
package ai.cocos.tee.emulated.internal;
