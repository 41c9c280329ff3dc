package ai.cocos.attestation.snp;

import ai.cocos.attestation.Certs;
import ai.cocos.attestation.ChainException;
import java.io.IOException;
import java.io.InputStream;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * AMD's SEV-SNP roots, shipped in this jar: per product the ARK (self-signed root), the ASK (issuer
 * of VCEKs) and the ASVK (issuer of VLEKs), as AMD's KDS publishes them at {@code
 * /vcek/v1/<product>/cert_chain} and {@code /vlek/v1/<product>/cert_chain}. Their SHA-256
 * fingerprints are in {@link #ARK_SHA256} and checked by a test.
 *
 * <p>Loaded on first use, so that a process that never verifies SNP evidence does not pay for it.
 */
public final class SnpTrust {
  /** SHA-256 of each shipped ARK's DER (as listed in the attestation vectors' README). */
  public static final Map<SnpProduct, String> ARK_SHA256 =
      Map.of(
          SnpProduct.MILAN, "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd",
          SnpProduct.GENOA, "4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1",
          SnpProduct.TURIN, "1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a");

  private final Map<SnpProduct, X509Certificate[]> loaded = new EnumMap<>(SnpProduct.class);

  private SnpTrust() {}

  private static final class Holder {
    static final SnpTrust AMD = new SnpTrust();
  }

  /**
   * AMD's roots shipped in this jar (each product's certificates are read on first use).
   *
   * @return the trust store
   */
  public static SnpTrust amd() {
    return Holder.AMD;
  }

  /**
   * A product's ARK.
   *
   * @param product the product
   * @return the ARK
   */
  public X509Certificate ark(SnpProduct product) {
    return load(product)[0];
  }

  /**
   * A product's intermediate.
   *
   * @param product the product
   * @param vlek {@code true} for the ASVK (VLEK issuer), {@code false} for the ASK
   * @return the certificate
   */
  public Optional<X509Certificate> intermediate(SnpProduct product, boolean vlek) {
    return Optional.of(load(product)[vlek ? 2 : 1]);
  }

  /**
   * Every ARK.
   *
   * @return the ARKs by product
   */
  public Map<SnpProduct, X509Certificate> arks() {
    Map<SnpProduct, X509Certificate> m = new EnumMap<>(SnpProduct.class);
    for (SnpProduct p : SnpProduct.values()) {
      m.put(p, ark(p));
    }
    return Collections.unmodifiableMap(m);
  }

  /** The ARK, ASK and ASVK of a product, checked against the published ARK fingerprint. */
  private synchronized X509Certificate[] load(SnpProduct p) {
    X509Certificate[] c = loaded.get(p);
    if (c != null) {
      return c;
    }
    String n = p.kdsName().toLowerCase(java.util.Locale.ROOT);
    List<X509Certificate> vcek = resource(n + "_ask_ark.pem");
    List<X509Certificate> vlek = resource(n + "_asvk_ark.pem");
    X509Certificate ark = vcek.get(1);
    if (!Certs.sha256(ark).equals(ARK_SHA256.get(p))
        || !Certs.sha256(vlek.get(1)).equals(ARK_SHA256.get(p))) {
      throw new IllegalStateException(
          "the shipped ARK of "
              + p.kdsName()
              + " does not have its published SHA-256: the jar is damaged");
    }
    c = new X509Certificate[] {ark, vcek.get(0), vlek.get(0)};
    loaded.put(p, c);
    return c;
  }

  private static List<X509Certificate> resource(String name) {
    try (InputStream in = SnpTrust.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("resource " + name + " missing from the jar");
      }
      List<X509Certificate> l = new ArrayList<>(Certs.read(in.readAllBytes()));
      if (l.size() != 2) {
        throw new IllegalStateException(name + " must hold the intermediate and the ARK");
      }
      return l;
    } catch (IOException | ChainException e) {
      throw new IllegalStateException(
          "cannot read " + name + " from the jar: " + e.getMessage(), e);
    }
  }
}
