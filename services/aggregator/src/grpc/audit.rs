//! `AuditService`: the newest audit records, filtered, for auditors.

use borderflow_proto::audit::v1::audit_service_server::AuditService;
use borderflow_proto::audit::v1::{
    AuditOutcome, ListAuditRecordsRequest, ListAuditRecordsResponse,
};
use borderflow_proto::timestamp_to_ms;
use tonic::{Request, Response, Status};

use crate::access::Caller;
use crate::error::Error;
use crate::store::AuditQuery;
use crate::stream::materialise::Stores;

const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 1_000;

#[derive(Clone)]
pub struct AuditApi {
    stores: Stores,
}

impl AuditApi {
    pub fn new(stores: Stores) -> Self {
        Self { stores }
    }
}

#[tonic::async_trait]
impl AuditService for AuditApi {
    async fn list_audit_records(
        &self,
        request: Request<ListAuditRecordsRequest>,
    ) -> Result<Response<ListAuditRecordsResponse>, Status> {
        let caller = Caller::of(&request)?;
        let request = request.into_inner();
        let outcome = match AuditOutcome::try_from(request.outcome) {
            Ok(AuditOutcome::Unspecified) => None,
            Ok(outcome) => Some(outcome),
            Err(_) => return Err(Error::invalid("outcome", "not an audit outcome").into()),
        };
        let before = match request.page_token.as_str() {
            "" => None,
            token => Some(
                token
                    .parse()
                    .map_err(|_| Error::invalid("page_token", "malformed"))?,
            ),
        };
        let limit = match request.page_size {
            0 => DEFAULT_PAGE,
            n => (n as usize).min(MAX_PAGE),
        };
        let query = AuditQuery {
            principal: request.principal,
            method: request.method,
            from_ms: request.from.as_ref().and_then(timestamp_to_ms),
            to_ms: request.to.as_ref().and_then(timestamp_to_ms),
            outcome,
        };
        caller.note(|n| {
            n.resource = format!("principal={} method={}", query.principal, query.method);
        });
        let (records, next) = self.stores.audit.list(&query, limit, before);
        caller.note(|n| n.count = records.len() as u64);
        Ok(Response::new(ListAuditRecordsResponse {
            records: records.iter().map(|r| (**r).clone()).collect(),
            next_page_token: next.map(|n| n.to_string()).unwrap_or_default(),
        }))
    }
}
