package ai.cocos.attestation.snp;

/**
 * A decoded TCB_VERSION: the security patch levels (SPLs) of the firmware components.
 *
 * <p>Layouts (AMD SEV-SNP ABI specification, Table "TCB_VERSION Structure"; the 8 bytes little
 * endian): Milan and Genoa {@code [bl, tee, 0, 0, 0, 0, snp, ucode]}; Turin {@code [fmc, bl, tee,
 * snp, 0, 0, 0, ucode]}.
 *
 * @param raw the 64-bit value as stored (little endian)
 * @param bootloader the bootloader SPL
 * @param tee the PSP OS (TEE) SPL
 * @param snp the SNP firmware SPL
 * @param microcode the microcode SPL
 * @param fmc the FMC SPL (Turin), or -1 where the layout has none
 */
public record TcbVersion(long raw, int bootloader, int tee, int snp, int microcode, int fmc) {

  /**
   * Decodes a raw TCB_VERSION in a product's layout.
   *
   * @param raw the 64-bit value
   * @param product the product (selects the layout)
   * @return the decoded version
   */
  public static TcbVersion decode(long raw, SnpProduct product) {
    int[] b = new int[8];
    for (int i = 0; i < 8; i++) {
      b[i] = (int) (raw >>> (8 * i)) & 0xff;
    }
    if (product.turinTcbLayout()) {
      return new TcbVersion(raw, b[1], b[2], b[3], b[7], b[0]);
    }
    return new TcbVersion(raw, b[0], b[1], b[6], b[7], -1);
  }

  /**
   * The reserved bytes of the layout, which must be zero.
   *
   * @param product the layout's product
   * @return {@code true} if every reserved byte is zero
   */
  public boolean reservedZero(SnpProduct product) {
    long mask = product.turinTcbLayout() ? 0x00FFFFFF00000000L : 0x0000FFFFFFFF0000L;
    return (raw & mask) == 0;
  }

  /**
   * The text form used in claims and findings.
   *
   * @return e.g. {@code bl=3 tee=0 snp=8 ucode=115} (with {@code fmc=} first on Turin)
   */
  @Override
  public String toString() {
    return (fmc >= 0 ? "fmc=" + fmc + " " : "")
        + "bl="
        + bootloader
        + " tee="
        + tee
        + " snp="
        + snp
        + " ucode="
        + microcode;
  }
}
