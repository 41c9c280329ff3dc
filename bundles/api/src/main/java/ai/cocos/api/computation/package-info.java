/**
 * The computation manifest as values: which algorithm and datasets (by SHA3-256 hash) a computation
 * accepts, whose public keys may upload each of them, who may download the results, and how the
 * agent opens its port.
 *
 * <p>These records hold already-validated data and depend on nothing but the JDK: keys are kept as
 * PEM text with their DER encoding ({@link ai.cocos.api.computation.PublicKeyPem}), hashes as 32
 * bytes ({@link ai.cocos.api.computation.Sha3Hash}). Their constructors check invariants (no nulls,
 * defensive copies, plain file names, at least one result consumer); the checks that need
 * cryptography (that a key is of an accepted type and size, that a certificate parses) are the
 * manifest parser's job ({@code ai.cocos.manifest.ManifestParser}), which is the normal way to
 * obtain a {@link ai.cocos.api.computation.Manifest}.
 */
@Version("1.0.0")
package ai.cocos.api.computation;

import org.osgi.annotation.versioning.Version;
