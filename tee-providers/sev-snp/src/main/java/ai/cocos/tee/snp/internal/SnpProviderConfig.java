package ai.cocos.tee.snp.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the SEV-SNP provider. Defaults are safe: AMD's KDS over HTTPS, the kernel's
 * interfaces, and the user's collateral cache.
 */
@ObjectClassDefinition(
    name = "Cocos SEV-SNP TEE provider",
    description = "Gathers and verifies AMD SEV-SNP attestation reports.")
public @interface SnpProviderConfig {
  /**
   * The collateral cache folder; empty for the default ({@code $COCOS_COLLATERAL_CACHE} or {@code
   * ~/.cache/cocos/collateral}).
   *
   * @return a folder path, or empty
   */
  @AttributeDefinition(
      name = "Collateral cache",
      description = "Folder where fetched VCEKs and CRLs are kept; empty for the user's cache.")
  String collateralCache() default "";

  /**
   * AMD's Key Distribution Service.
   *
   * @return the base URL
   */
  @AttributeDefinition(
      name = "AMD KDS URL",
      description = "Where missing VCEKs and CRLs come from.")
  String kdsUrl() default "https://kdsintf.amd.com";

  /**
   * Whether collateral may be fetched (otherwise only the cache and the evidence are used).
   *
   * @return true to fetch on a cache miss
   */
  @AttributeDefinition(
      name = "Fetch collateral",
      description = "Fetch missing VCEKs and CRLs from AMD's KDS (false: cache and evidence only).")
  boolean fetchCollateral() default true;

  /**
   * The configfs-tsm report folder.
   *
   * @return a folder path
   */
  @AttributeDefinition(name = "configfs-tsm folder")
  String tsmReportDir() default "/sys/kernel/config/tsm/report";

  /**
   * The SEV guest device.
   *
   * @return a device path
   */
  @AttributeDefinition(name = "SEV guest device")
  String sevGuestDevice() default "/dev/sev-guest";

  /**
   * The VMPL reports are requested at (CocosAI's ATTESTATION_VMPL); -1 for the kernel's default.
   *
   * @return -1 or 0-3
   */
  @AttributeDefinition(name = "VMPL", min = "-1", max = "3")
  int vmpl() default -1;
}
