/**
 * The computation manifest as JSON: {@link ai.cocos.manifest.ManifestParser} reads what users write
 * into an {@link ai.cocos.api.computation.Manifest}, reporting every malformed field by its JSON
 * path; {@link ai.cocos.manifest.ManifestWriter} writes it back; {@link
 * ai.cocos.manifest.ManifestCanonical} gives the deterministic bytes that are measured and signed;
 * {@link ai.cocos.manifest.ManifestSignature} signs and checks the computation owner's signature.
 *
 * <p>Works as a bundle and as a plain jar (the CLI uses it without a framework). Needs the crypto
 * bundle and Jackson's streaming API ({@code jackson-core}) only.
 */
@Version("1.0.0")
package ai.cocos.manifest;

import org.osgi.annotation.versioning.Version;
