/**
 * The AMD SEV-SNP attestation report format and its verification, shared by the {@code sev-snp}
 * provider, the {@code emulated} provider (whose evidence has this format) and the vTPM provider's
 * Azure form (which embeds an SNP report): {@link ai.cocos.attestation.snp.SnpReport} (the one
 * parser of report bytes), {@link ai.cocos.attestation.snp.VcekCertificate} (VCEK/VLEK extensions),
 * {@link ai.cocos.attestation.snp.SnpVerifier} (signature, chain, chip, TCB, CRL and policy), AMD's
 * roots ({@link ai.cocos.attestation.snp.SnpTrust}) and KDS URLs ({@link
 * ai.cocos.attestation.snp.AmdKds}), and policy templates ({@link
 * ai.cocos.attestation.snp.SnpPolicyTemplate}).
 *
 * <p>It lives in this shared bundle rather than in the {@code sev-snp} plugin because plugins never
 * depend on each other, and three of them need it.
 */
@Version("1.0.0")
package ai.cocos.attestation.snp;

import org.osgi.annotation.versioning.Version;
