package ai.cocos.attestation.snp;

import java.net.URI;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * URLs of AMD's Key Distribution Service (KDS), in one canonical spelling (the collateral cache is
 * keyed by URL): VCEKs by chip id and TCB, the ASK/ASVK + ARK chain and the CRL of each product.
 * VLEKs are not public: they come with the evidence.
 *
 * @param base the service, normally {@link #DEFAULT}
 */
public record AmdKds(URI base) {
  /** AMD's KDS. */
  public static final URI DEFAULT = URI.create("https://kdsintf.amd.com");

  /** Validates. */
  public AmdKds {
    Objects.requireNonNull(base, "base");
  }

  /**
   * AMD's production service.
   *
   * @return the default endpoint
   */
  public static AmdKds defaults() {
    return new AmdKds(DEFAULT);
  }

  /**
   * The VCEK of a chip at a TCB.
   *
   * @param product the product
   * @param chipId the report's CHIP_ID (64 bytes; Turin uses its first 8)
   * @param tcb the report's REPORTED_TCB, decoded in the product's layout
   * @return {@code /vcek/v1/<product>/<hwid>?[fmcSPL=..&]blSPL=..&teeSPL=..&snpSPL=..&ucodeSPL=..}
   */
  public URI vcek(SnpProduct product, byte[] chipId, TcbVersion tcb) {
    byte[] hwid = product == SnpProduct.TURIN ? Arrays.copyOf(chipId, 8) : chipId;
    String q =
        (product.turinTcbLayout() ? String.format("fmcSPL=%02d&", tcb.fmc()) : "")
            + String.format(
                "blSPL=%02d&teeSPL=%02d&snpSPL=%02d&ucodeSPL=%02d",
                tcb.bootloader(), tcb.tee(), tcb.snp(), tcb.microcode());
    return base.resolve(
        "/vcek/v1/" + product.kdsName() + "/" + HexFormat.of().formatHex(hwid) + "?" + q);
  }

  /**
   * The intermediate and root of a product: ASK + ARK for VCEKs, ASVK + ARK for VLEKs (PEM).
   *
   * @param product the product
   * @param vlek whether for VLEKs
   * @return {@code /vcek/v1/<product>/cert_chain} or {@code /vlek/v1/<product>/cert_chain}
   */
  public URI certChain(SnpProduct product, boolean vlek) {
    return base.resolve(
        "/" + (vlek ? "vlek" : "vcek") + "/v1/" + product.kdsName() + "/cert_chain");
  }

  /**
   * The CRL of a product's ARK (DER).
   *
   * @param product the product
   * @param vlek whether for the VLEK hierarchy
   * @return {@code /vcek/v1/<product>/crl} or {@code /vlek/v1/<product>/crl}
   */
  public URI crl(SnpProduct product, boolean vlek) {
    return base.resolve("/" + (vlek ? "vlek" : "vcek") + "/v1/" + product.kdsName() + "/crl");
  }
}
