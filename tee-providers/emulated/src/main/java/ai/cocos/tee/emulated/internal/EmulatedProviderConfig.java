package ai.cocos.tee.emulated.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the emulated provider. Its evidence is never accepted by a default policy; these
 * settings only shape what it reports.
 */
@ObjectClassDefinition(
    name = "Cocos emulated TEE provider",
    description =
        "SEV-SNP-format evidence signed by a local emulated root: for machines without"
            + " a TEE. Emulated, not a real TEE.")
public @interface EmulatedProviderConfig {
  /**
   * Where the emulated root and key are kept; empty for {@code $AGENT_EMULATED_TEE_DIR} or {@code
   * ~/.cocos/emulated-tee}.
   *
   * @return a folder, or empty
   */
  @AttributeDefinition(
      name = "Identity folder",
      description = "Folder with the emulated ARK and VCEK (created once, private to the owner).")
  String dir() default "";

  /**
   * Comma-separated files or folders whose content is the emulated launch measurement.
   *
   * @return paths, or empty
   */
  @AttributeDefinition(
      name = "Measured paths",
      description =
          "Files or folders hashed (SHA-384) into the emulated MEASUREMENT, e.g. the"
              + " agent's bundles folder.")
  String measuredPaths() default "";

  /**
   * HOST_DATA in hex (up to 32 bytes).
   *
   * @return hex, or empty for zeros
   */
  @AttributeDefinition(name = "Host data (hex)")
  String hostData() default "";

  /**
   * The VMPL to report.
   *
   * @return 0-3
   */
  @AttributeDefinition(name = "VMPL", min = "0", max = "3")
  int vmpl() default 0;
}
