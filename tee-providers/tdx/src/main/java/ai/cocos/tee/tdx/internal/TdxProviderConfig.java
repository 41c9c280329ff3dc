package ai.cocos.tee.tdx.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the TDX provider component. The defaults are the Linux guest interfaces and
 * Intel's own services; nothing here can weaken verification (trust comes from the pinned Intel SGX
 * Root CA and the policy, never from where collateral was fetched).
 */
@ObjectClassDefinition(
    name = "Cocos Intel TDX provider",
    description = "Gathers TDX quotes through configfs-tsm and verifies TDX evidence.")
public @interface TdxProviderConfig {

  /**
   * The configfs-tsm report folder.
   *
   * @return a folder path
   */
  @AttributeDefinition(
      name = "configfs-tsm report folder",
      description = "Where the kernel's configfs-tsm interface generates quotes (Linux 6.7+).")
  String tsmReportDir() default "/sys/kernel/config/tsm/report";

  /**
   * The CCEL event log file.
   *
   * @return a file path
   */
  @AttributeDefinition(
      name = "CCEL event log",
      description = "Firmware event log attached to gathered evidence so RTMRs can be replayed.")
  String ccelLog() default "/sys/firmware/acpi/tables/data/CCEL";

  /**
   * Intel PCS (or PCCS) base URL.
   *
   * @return an http(s) URL
   */
  @AttributeDefinition(
      name = "Intel PCS URL",
      description =
          "Provisioning Certification Service (or a PCCS) serving TDX collateral, API v4.")
  String pcsUrl() default "https://api.trustedservices.intel.com";

  /**
   * Where Intel publishes the SGX root CA CRL.
   *
   * @return an http(s) URL
   */
  @AttributeDefinition(
      name = "Intel certificates URL",
      description = "Host of IntelSGXRootCA.der, the root CA's CRL.")
  String certificatesUrl() default "https://certificates.trustedservices.intel.com";

  /**
   * The collateral cache folder; empty for the shared default.
   *
   * @return a folder path or empty
   */
  @AttributeDefinition(
      name = "Collateral cache",
      description =
          "Folder of the collateral cache shared by the providers. Empty: $COCOS_COLLATERAL_CACHE"
              + " or ~/.cache/cocos/collateral.")
  String collateralCache() default "";

  /**
   * Whether collateral may be fetched over the network when the cache misses.
   *
   * @return {@code false} for air-gapped use (cache, bundles and attachments only)
   */
  @AttributeDefinition(
      name = "Fetch collateral",
      description = "Fetch missing collateral from the PCS (only on a cache miss).")
  boolean fetchCollateral() default true;

  /**
   * Timeout of one collateral fetch.
   *
   * @return seconds, at least 1
   */
  @AttributeDefinition(
      name = "Fetch timeout (s)",
      description = "How long one collateral request may take.",
      min = "1",
      max = "600")
  int fetchTimeoutSeconds() default 30;
}
