/**
 * Implementation of the vTPM provider: TPM 2.0 structure parsers (TPMS_ATTEST, TPMT_SIGNATURE,
 * TPMT_PUBLIC, TPML_PCR_SELECTION), the TCG event log, the Azure HCL report, the verifiers that
 * work on those records, raw TPM 2.0 commands for gathering, and the Declarative Services
 * components. Not exported; no compatibility promises.
 */
package ai.cocos.tee.vtpm.internal;
