/**
 * Cryptography for Cocos: PEM keys of the accepted types (RSA of 2048 bits or more, ECDSA P-256 and
 * P-384, Ed25519), signatures, streaming SHA3-256, the deterministic zip, and certificates. Works
 * as a bundle and as a plain jar (the CLI uses it without a framework).
 */
@Version("1.0.0")
package ai.cocos.crypto;

import org.osgi.annotation.versioning.Version;
