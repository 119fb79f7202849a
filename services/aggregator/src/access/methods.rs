//! What each gRPC method needs. A method missing here is refused: nothing
//! under `/borderflow.` is served without an entry.

use borderflow_access::Permission::{self, *};

/// How a method answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Unary,
    /// A server stream: audited when it opens and when it closes.
    ServerStream,
}

#[derive(Clone, Copy, Debug)]
pub struct MethodRule {
    pub path: &'static str,
    /// The RPC's name: a bounded metric label.
    pub name: &'static str,
    pub permission: Permission,
    pub shape: Shape,
}

macro_rules! rules {
    ($($service:literal / $name:literal => $permission:ident, $shape:ident;)*) => {
        &[$(MethodRule {
            path: concat!("/", $service, "/", $name),
            name: $name,
            permission: $permission,
            shape: Shape::$shape,
        }),*]
    };
}

/// Every borderflow method the aggregator serves.
pub const METHODS: &[MethodRule] = rules! {
    "borderflow.analytics.v1.AnalyticsService" / "ListCrossings" => ReadFigures, Unary;
    "borderflow.analytics.v1.AnalyticsService" / "GetCrossingStats" => ReadFigures, Unary;
    "borderflow.analytics.v1.AnalyticsService" / "ListWindows" => ReadFigures, Unary;
    "borderflow.analytics.v1.AnalyticsService" / "WatchCrossingStats" => ReadFigures, ServerStream;
    "borderflow.analytics.v1.AnalyticsService" / "ListAnomalies" => ReadAnomalies, Unary;
    "borderflow.analytics.v1.AnalyticsService" / "GetAnomaly" => ReadAnomalies, Unary;
    "borderflow.analytics.v1.AnalyticsService" / "WatchAnomalies" => ReadAnomalies, ServerStream;
    "borderflow.analytics.v1.AnalyticsService" / "TriageAnomaly" => TriageAnomalies, Unary;
    "borderflow.analytics.v1.AnalyticsService" / "ListTriage" => ReadAnomalies, Unary;
    "borderflow.reference.v1.ReferenceService" / "UpsertEntries" => WriteReference, Unary;
    "borderflow.reference.v1.ReferenceService" / "DeleteEntries" => WriteReference, Unary;
    "borderflow.reference.v1.ReferenceService" / "ListEntries" => ReadReference, Unary;
    "borderflow.reference.v1.ReferenceService" / "UpsertCrossings" => WriteRegistry, Unary;
    "borderflow.audit.v1.AuditService" / "ListAuditRecords" => ReadAudit, Unary;
    "borderflow.statistics.v1.StatisticsService" / "QueryStatistics" => ReadStatistics, Unary;
    "borderflow.statistics.v1.StatisticsService" / "ExportStatistics" => ReadStatistics, Unary;
    "borderflow.protection.v1.ProtectionService" / "WatchReferrals" => WatchReferrals, ServerStream;
};

/// The rule of a request path, if it is one of borderflow's methods.
pub fn find(path: &str) -> Option<&'static MethodRule> {
    METHODS.iter().find(|m| m.path == path)
}

/// Whether a path belongs to one of borderflow's packages (everything
/// else — health, reflection — is served without a credential).
pub fn is_borderflow(path: &str) -> bool {
    path.starts_with("/borderflow.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_served_method_has_exactly_one_rule() {
        let descriptors = borderflow_proto::FILE_DESCRIPTOR_SET;
        let set =
            <prost_types::FileDescriptorSet as borderflow_proto::Message>::decode(descriptors)
                .unwrap();
        let mut served = Vec::new();
        for file in &set.file {
            for service in &file.service {
                let name = format!("{}.{}", file.package(), service.name());
                if name.starts_with("borderflow.ingest.") {
                    continue; // ingest's own, booth-authenticated
                }
                if name.starts_with("borderflow.exercise.") {
                    continue; // the simulator's own, for the trainer
                }
                for method in &service.method {
                    served.push(format!("/{name}/{}", method.name()));
                }
            }
        }
        served.sort();
        let mut ruled: Vec<String> = METHODS.iter().map(|m| m.path.to_owned()).collect();
        ruled.sort();
        assert_eq!(served, ruled);
    }
}
