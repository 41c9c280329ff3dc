/**
 * What every TEE provider shares: the JSON attestation policy ({@link
 * ai.cocos.attestation.PolicyDocument}, schema in {@link ai.cocos.attestation.PolicySchema} and
 * {@code POLICY.md}), typed access to its rules ({@link ai.cocos.attestation.PolicyRules}), uniform
 * evaluation of rules into verdict findings ({@link ai.cocos.attestation.Evaluation}), certificates
 * and chains to pinned roots at an injected time, with CRLs ({@link ai.cocos.attestation.Certs},
 * {@link ai.cocos.attestation.ChainVerifier}), and a strict JSON reader ({@link
 * ai.cocos.attestation.Json}).
 *
 * <p>Works as an OSGi bundle and as a plain jar: the CLI verifies evidence without a framework. No
 * BouncyCastle, no static initialisation beyond constants, so that a command-line verification
 * starts fast.
 */
@Version("1.0.0")
package ai.cocos.attestation;

import org.osgi.annotation.versioning.Version;
