/**
 * Cryptography for Cocos: PEM keys of the accepted types (RSA of 2048 bits or more, ECDSA P-256 and
 * P-384, Ed25519) and CocosAI-compatible signatures ({@link ai.cocos.crypto.PemKeys}, {@link
 * ai.cocos.crypto.Signatures}), streaming SHA3-256 with size limits ({@link ai.cocos.crypto.Sha3},
 * {@link ai.cocos.crypto.Sha3OutputStream}), the deterministic zip of a directory and safe
 * extraction of uploaded zips ({@link ai.cocos.crypto.DeterministicZip}, {@link
 * ai.cocos.crypto.SafeUnzip}), and X.509 certificates for TLS ({@link
 * ai.cocos.crypto.Certificates}). Works as a bundle and as a plain jar (the CLI uses it without a
 * framework). All classes are stateless or used by one thread at a time.
 */
@Version("1.1.0")
package ai.cocos.crypto;

import org.osgi.annotation.versioning.Version;
