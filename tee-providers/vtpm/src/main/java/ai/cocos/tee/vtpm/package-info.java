/**
 * TPM 2.0 (vTPM) attestation for Cocos: {@link ai.cocos.tee.vtpm.VtpmProvider} verifies TPM quotes
 * (platform {@code vtpm}) and gathers them from a TPM with raw TPM 2.0 commands; {@link
 * ai.cocos.tee.vtpm.AzureVtpmProvider} verifies Azure confidential VMs, whose vTPM is bound to an
 * SEV-SNP report or a TDX quote (platforms {@code azure-snp-vtpm} and {@code azure-tdx-vtpm}).
 * Attachment names are in {@link ai.cocos.tee.vtpm.VtpmAttachments}; policies that pin what given
 * evidence measured come from {@link ai.cocos.tee.vtpm.VtpmPolicyTemplates}; the computation
 * manifest's PCR16 values from {@link ai.cocos.tee.vtpm.ManifestPcr} (since 1.1.0, when the
 * provider also measures manifests as {@link ai.cocos.api.tee.RuntimeMeasurements}).
 *
 * <p>Every class works without an OSGi framework (the CLI uses them on a plain class path); inside
 * a framework, Declarative Services components register the providers as {@link
 * ai.cocos.api.tee.TeeProvider} services. Providers are thread-safe.
 */
@Version("1.1.0")
package ai.cocos.tee.vtpm;

import org.osgi.annotation.versioning.Version;
