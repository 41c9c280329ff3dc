package ai.cocos.agent.internal.grpc;

import ai.cocos.crypto.CertificateFormatException;
import ai.cocos.crypto.Certificates;
import ai.cocos.crypto.KeyFormatException;
import ai.cocos.crypto.PemKeys;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * The credentials of the connection to the computation management service, as CocosAI configures
 * it: plaintext when nothing is set; TLS when a server CA file is set (verifying the service
 * against it; without one, against the JDK's default CAs); mutual TLS when a client certificate and
 * key are set too. Keys are read with {@link PemKeys} (PKCS#8, PKCS#1, SEC1).
 */
final class CvmsCredentials {
  private CvmsCredentials() {}

  /**
   * Builds the credentials.
   *
   * @param serverCaFile {@code AGENT_CVM_GRPC_SERVER_CA_CERTS}, blank if unset
   * @param clientCertFile {@code AGENT_CVM_GRPC_CLIENT_CERT}, blank if unset
   * @param clientKeyFile {@code AGENT_CVM_GRPC_CLIENT_KEY}, blank if unset
   * @return the credentials
   * @throws IllegalArgumentException naming the setting and file that is wrong
   */
  static ChannelCredentials of(String serverCaFile, String clientCertFile, String clientKeyFile) {
    boolean ca = !serverCaFile.isBlank();
    boolean cert = !clientCertFile.isBlank();
    boolean key = !clientKeyFile.isBlank();
    if (cert != key) {
      throw new IllegalArgumentException(
          "AGENT_CVM_GRPC_CLIENT_CERT and AGENT_CVM_GRPC_CLIENT_KEY go together: "
              + (cert ? "the key" : "the certificate")
              + " is missing");
    }
    if (!ca && !cert) {
      return InsecureChannelCredentials.create();
    }
    TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
    try {
      if (ca) {
        List<X509Certificate> cas =
            certificates("AGENT_CVM_GRPC_SERVER_CA_CERTS", serverCaFile.trim());
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        for (int i = 0; i < cas.size(); i++) {
          ts.setCertificateEntry("ca" + i, cas.get(i));
        }
        TrustManagerFactory tmf =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        b.trustManager(tmf.getTrustManagers());
      }
      if (cert) {
        List<X509Certificate> chain =
            certificates("AGENT_CVM_GRPC_CLIENT_CERT", clientCertFile.trim());
        String keyText = read("AGENT_CVM_GRPC_CLIENT_KEY", clientKeyFile.trim());
        KeyPair pair;
        try {
          pair = PemKeys.parsePrivateKey(keyText);
        } catch (KeyFormatException e) {
          throw new IllegalArgumentException(
              "AGENT_CVM_GRPC_CLIENT_KEY " + clientKeyFile.trim() + ": " + e.getMessage(), e);
        }
        if (!pair.getPublic().equals(chain.get(0).getPublicKey())) {
          throw new IllegalArgumentException(
              "AGENT_CVM_GRPC_CLIENT_KEY "
                  + clientKeyFile.trim()
                  + " is not the key of the first certificate in "
                  + clientCertFile.trim());
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        char[] none = new char[0];
        ks.setKeyEntry("client", pair.getPrivate(), none, chain.toArray(X509Certificate[]::new));
        KeyManagerFactory kmf =
            KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, none);
        b.keyManager(kmf.getKeyManagers());
      }
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot set up TLS to the service: " + e.getMessage(), e);
    }
    return b.build();
  }

  private static List<X509Certificate> certificates(String setting, String file) {
    try {
      return Certificates.parsePem(read(setting, file));
    } catch (CertificateFormatException e) {
      throw new IllegalArgumentException(setting + " " + file + ": " + e.getMessage(), e);
    }
  }

  private static String read(String setting, String file) {
    try {
      return Files.readString(Path.of(file), StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(setting + " " + file + ": the file does not exist", e);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          setting + " " + file + ": cannot be read: " + e.getMessage(), e);
    }
  }
}
