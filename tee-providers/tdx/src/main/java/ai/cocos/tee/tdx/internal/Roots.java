package ai.cocos.tee.tdx.internal;

import ai.cocos.attestation.Certs;
import ai.cocos.attestation.ChainException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.cert.X509Certificate;
import java.util.List;

/** The trust anchors shipped in this jar. */
public final class Roots {
  /** The shipped Intel SGX Root CA's SHA-256 (of its DER), as Intel and the vectors give it. */
  public static final String INTEL_SGX_ROOT_CA_SHA256 =
      "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3";

  private static final String RESOURCE = "intel-sgx-root-ca.pem";

  private Roots() {}

  /** Loaded on first use, so that class loading stays light. */
  private static final class Holder {
    static final List<X509Certificate> INTEL = load();

    private static List<X509Certificate> load() {
      try (InputStream in = Roots.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException("resource " + RESOURCE + " is missing from the jar");
        }
        X509Certificate root = Certs.readOne(in.readAllBytes());
        if (!INTEL_SGX_ROOT_CA_SHA256.equals(Certs.sha256(root))) {
          throw new IllegalStateException("the shipped Intel SGX Root CA has the wrong SHA-256");
        }
        return List.of(root);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (ChainException e) {
        throw new IllegalStateException("the shipped Intel SGX Root CA is unreadable", e);
      }
    }
  }

  /**
   * The Intel SGX Root CA (self-signed ECDSA P-256, 2018-05-21 to 2049-12-31).
   *
   * @return the shipped root
   */
  public static List<X509Certificate> intelSgxRootCa() {
    return Holder.INTEL;
  }
}
