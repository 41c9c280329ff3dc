package ai.cocos.attestation.snp;

import java.util.Locale;
import java.util.Optional;

/**
 * The AMD EPYC generations that run SEV-SNP, with their AMD KDS name and TCB layout.
 *
 * <p>The product comes from the report's CPUID fields (reports v3 and later, AMD SEV-SNP ABI
 * specification, Table "ATTESTATION_REPORT Structure", offsets 0x188-0x18A), or for v2 reports from
 * context: the VCEK's {@code productName} extension or the policy.
 */
public enum SnpProduct {
  /** EPYC 7003 (Zen 3), CPUID family 0x19, models 0x00-0x0F. */
  MILAN("Milan", false),
  /** EPYC 9004/8004 (Zen 4: Genoa, Bergamo, Siena), family 0x19, models 0x10-0x1F and 0xA0-0xAF. */
  GENOA("Genoa", false),
  /** EPYC 9005 (Zen 5), family 0x1A, models 0x00-0x1F. */
  TURIN("Turin", true);

  private final String kdsName;
  private final boolean turinLayout;

  SnpProduct(String kdsName, boolean turinLayout) {
    this.kdsName = kdsName;
    this.turinLayout = turinLayout;
  }

  /**
   * The name AMD's KDS and the policy use.
   *
   * @return {@code Milan}, {@code Genoa} or {@code Turin}
   */
  public String kdsName() {
    return kdsName;
  }

  /**
   * Whether TCB_VERSION uses the Turin layout {@code [fmc, bl, tee, snp, 0, 0, 0, ucode]} instead
   * of {@code [bl, tee, 0, 0, 0, 0, snp, ucode]}.
   *
   * @return {@code true} for Turin
   */
  public boolean turinTcbLayout() {
    return turinLayout;
  }

  /**
   * The product from the report's CPUID family and model.
   *
   * @param family CPUID_FAM_ID (extended family + base family)
   * @param model CPUID_MOD_ID (extended model + base model)
   * @return the product, or empty for a CPU not listed
   */
  public static Optional<SnpProduct> fromCpuid(int family, int model) {
    if (family == 0x19) {
      if (model <= 0x0F) {
        return Optional.of(MILAN);
      }
      if ((model >= 0x10 && model <= 0x1F) || (model >= 0xA0 && model <= 0xAF)) {
        return Optional.of(GENOA);
      }
    } else if (family == 0x1A && model <= 0x1F) {
      return Optional.of(TURIN);
    }
    return Optional.empty();
  }

  /**
   * The product from a name: the KDS name in any case, or a VCEK {@code productName} such as {@code
   * Milan-B0} (the stepping after the dash is ignored).
   *
   * @param name the name
   * @return the product, or empty if unknown
   */
  public static Optional<SnpProduct> fromName(String name) {
    if (name == null) {
      return Optional.empty();
    }
    String base = name.trim();
    int dash = base.indexOf('-');
    if (dash >= 0) {
      base = base.substring(0, dash);
    }
    for (SnpProduct p : values()) {
      if (p.kdsName.toLowerCase(Locale.ROOT).equals(base.toLowerCase(Locale.ROOT))) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
