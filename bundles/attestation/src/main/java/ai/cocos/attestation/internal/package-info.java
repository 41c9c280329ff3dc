/**
 * Implementation details of the attestation bundle (byte readers, file helpers). Not exported; no
 * compatibility promises.
 */
package ai.cocos.attestation.internal;
