/**
 * Attested TLS (RA-TLS): no party sends a byte to an agent before the agent's TEE evidence
 * verifies.
 *
 * <p>The agent generates its TLS key pair in memory inside the VM. For each connection the client
 * sends a fresh nonce as its SNI ({@link ai.cocos.atls.AtlsBinding}); the agent's {@link
 * ai.cocos.atls.AtlsServerKeyManager} gathers evidence whose report data binds that nonce, the key
 * and the manifest, and answers with a certificate made for the connection that carries the
 * evidence ({@link ai.cocos.atls.AtlsCertificates}, {@link ai.cocos.atls.AtlsClaims}). The client's
 * {@link ai.cocos.atls.AtlsTrustManager} verifies it during the handshake with the TEE provider's
 * full verification and the relying party's policy, and aborts the handshake with an {@link
 * ai.cocos.atls.AtlsRefusedException} naming each failed rule.
 *
 * <p>Plain Java (JDK TLS types and the Cocos API): works inside the framework (the agent) and on a
 * plain class path (the CLI). See the bundle's README for the design and its threat model.
 */
@Version("1.0.0")
package ai.cocos.atls;

import org.osgi.annotation.versioning.Version;
