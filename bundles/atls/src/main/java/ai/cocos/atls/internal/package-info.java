/**
 * Implementation details of attested TLS (DER encoding, the certificate cache). Not exported; no
 * compatibility promises.
 */
package ai.cocos.atls.internal;
