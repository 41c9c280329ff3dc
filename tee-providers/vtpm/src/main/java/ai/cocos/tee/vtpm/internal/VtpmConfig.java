package ai.cocos.tee.vtpm.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the {@code vtpm} provider. Verification needs none of it; the defaults gather
 * from the kernel's resource manager with a fresh RSA attestation key, as CocosAI's agent does.
 */
@ObjectClassDefinition(
    name = "Cocos vTPM provider",
    description = "Gathers and verifies TPM 2.0 quotes (platform vtpm).")
public @interface VtpmConfig {
  /**
   * The TPM.
   *
   * @return a device path or {@code unix:<socket>}
   */
  @AttributeDefinition(
      name = "TPM device",
      description =
          "The TPM's character device (the kernel resource manager /dev/tpmrm0), or"
              + " unix:<path> for a software TPM's socket.")
  String device() default "/dev/tpmrm0";

  /**
   * The firmware event log.
   *
   * @return a file path (attached if it exists)
   */
  @AttributeDefinition(
      name = "Event log",
      description = "The TCG firmware event log attached to gathered evidence, if it exists.")
  String eventLog() default "/sys/kernel/security/tpm0/binary_bios_measurements";

  /**
   * The attestation key's algorithm.
   *
   * @return {@code rsa} or {@code ecc}
   */
  @AttributeDefinition(
      name = "AK algorithm",
      description = "rsa (RSA-2048, CocosAI's AK) or ecc (P-256), for a primary AK.")
  String akAlgorithm() default "rsa";

  /**
   * A persistent AK handle, in hex, or 0 to create a primary key.
   *
   * @return e.g. {@code 0x81010001}
   */
  @AttributeDefinition(
      name = "AK handle",
      description = "A persistent attestation key (hex, 0x81......), or 0 to create a primary key.")
  String akHandle() default "0";

  /**
   * An NV index holding the AK certificate, in hex, or 0.
   *
   * @return e.g. {@code 0x01c10000} on Google Compute Engine
   */
  @AttributeDefinition(
      name = "AK certificate NV index",
      description = "NV index of the AK certificate to attach (hex, 0x01......), or 0 for none.")
  String akCertNvIndex() default "0";

  /**
   * The PCR banks to quote.
   *
   * @return bank names, the first quoted into the report
   */
  @AttributeDefinition(
      name = "PCR banks",
      description = "Banks to quote (sha1, sha256, sha384, sha512); one quote each.")
  String[] banks() default {"sha256"};
}
