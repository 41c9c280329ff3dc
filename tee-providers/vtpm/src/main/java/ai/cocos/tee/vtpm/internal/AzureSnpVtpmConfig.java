package ai.cocos.tee.vtpm.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the {@code azure-snp-vtpm} provider (Azure SEV-SNP confidential VMs). */
@ObjectClassDefinition(
    name = "Cocos Azure SEV-SNP vTPM provider",
    description =
        "Gathers and verifies Azure SEV-SNP confidential-VM evidence (platform azure-snp-vtpm).")
public @interface AzureSnpVtpmConfig {
  /**
   * The vTPM.
   *
   * @return a device path or {@code unix:<socket>}
   */
  @AttributeDefinition(name = "TPM device", description = "The vTPM device, or unix:<path>.")
  String device() default "/dev/tpmrm0";

  /**
   * The firmware event log.
   *
   * @return a file path (attached if it exists)
   */
  @AttributeDefinition(name = "Event log", description = "The TCG event log to attach.")
  String eventLog() default "/sys/kernel/security/tpm0/binary_bios_measurements";

  /**
   * The HCL attestation key's persistent handle, in hex.
   *
   * @return Azure's {@code 0x81000003}
   */
  @AttributeDefinition(name = "AK handle", description = "Persistent handle of HCLAkPub (hex).")
  String akHandle() default "0x81000003";

  /**
   * How long the paravisor needs to refresh the HCL report (AZURE_HCL_REFRESH_WAIT).
   *
   * @return milliseconds
   */
  @AttributeDefinition(
      name = "HCL refresh wait (ms)",
      description = "Wait after writing report data before reading the HCL report.",
      min = "0",
      max = "60000")
  long refreshWaitMillis() default 3000;

  /**
   * Azure's TD-quote endpoint (AZURE_TDX_IMDS_URL); used by the TDX form only.
   *
   * @return an http(s) URL
   */
  @AttributeDefinition(
      name = "TD quote URL",
      description = "IMDS endpoint turning a TD report into a quote.")
  String tdQuoteUrl() default "http://169.254.169.254/acc/tdquote";

  /**
   * Time limit of the TD-quote request.
   *
   * @return milliseconds
   */
  @AttributeDefinition(
      name = "Request timeout (ms)",
      description = "TD quote request time limit.",
      min = "1")
  long requestTimeoutMillis() default 30000;
}
