/**
 * The emulated TEE provider's plain-jar entry point: {@link ai.cocos.tee.emulated.EmulatedProvider}
 * (gather, verify, write a policy from evidence, the emulated root's fingerprint) and {@link
 * ai.cocos.tee.emulated.EmulatedSettings}. Emulated, not a real TEE: never accepted by a default
 * policy.
 */
@Version("1.0.0")
package ai.cocos.tee.emulated;

import org.osgi.annotation.versioning.Version;
