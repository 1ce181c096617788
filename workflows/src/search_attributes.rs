//! Typed keys of the custom search attributes (registered by `scripts/stack` and the deployment).

use healthcert_domain::workflow::search_attributes as names;
use temporalio_common::search_attributes::SearchAttributeKey;

/// `CertificateId` (Keyword)
pub const CERTIFICATE_ID: SearchAttributeKey<String> =
    SearchAttributeKey::keyword(names::CERTIFICATE_ID);
/// `CertificateType` (Keyword)
pub const CERTIFICATE_TYPE: SearchAttributeKey<String> =
    SearchAttributeKey::keyword(names::CERTIFICATE_TYPE);
/// `CertificateStatus` (Keyword)
pub const CERTIFICATE_STATUS: SearchAttributeKey<String> =
    SearchAttributeKey::keyword(names::CERTIFICATE_STATUS);
