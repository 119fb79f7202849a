//! `ProtectionService`: the referral watch for partner services. A partner
//! sees the referrals to its own service (by its partner role) within its
//! country scope, nothing else: a named out-of-scope crossing or another
//! service answers `PERMISSION_DENIED`; otherwise only what the partner may
//! see is sent.

use std::collections::HashSet;
use std::sync::Arc;

use borderflow_proto::inspection::v1::ReferralCategory;
use borderflow_proto::protection::v1::protection_service_server::ProtectionService;
use borderflow_proto::protection::v1::{Referral, WatchReferralsRequest, WatchReferralsResponse};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use super::follow;
use crate::access::Caller;
use crate::error::Error;
use crate::store::CrossingScope;
use crate::stream::materialise::Stores;

/// Most recent referrals a watch may ask to replay.
const MAX_REPLAY: usize = 1_000;

#[derive(Clone)]
pub struct ProtectionApi {
    stores: Stores,
    shutdown: CancellationToken,
}

impl ProtectionApi {
    pub fn new(stores: Stores, shutdown: CancellationToken) -> Self {
        Self { stores, shutdown }
    }
}

/// Which referrals a watch passes on.
struct Filter {
    crossing_ids: Vec<String>,
    /// The services asked for, within those the caller's roles cover.
    categories: Vec<i32>,
    scope: CrossingScope,
}

/// The services whose referrals the caller's partner roles cover.
fn services_of(caller: &Caller) -> Vec<i32> {
    caller
        .principal
        .roles
        .iter()
        .filter_map(|r| r.referral_service())
        .filter_map(ReferralCategory::parse)
        .map(|c| c as i32)
        .collect()
}

impl Filter {
    fn parse(request: &WatchReferralsRequest, caller: &Caller) -> Result<Self, Error> {
        for id in &request.crossing_ids {
            caller.check_crossing(id)?;
        }
        let allowed = services_of(caller);
        for (i, &category) in request.categories.iter().enumerate() {
            match ReferralCategory::try_from(category) {
                Ok(ReferralCategory::Unspecified) | Err(_) => {
                    return Err(Error::invalid(
                        format!("categories[{i}]"),
                        format!("unknown referral category {category}"),
                    ));
                }
                Ok(c) if !allowed.contains(&category) => {
                    return Err(Error::PermissionDenied(format!(
                        "referrals to {} are for that service's partner role",
                        c.label()
                    )));
                }
                Ok(_) => {}
            }
        }
        let categories = if request.categories.is_empty() {
            allowed
        } else {
            request.categories.clone()
        };
        Ok(Self {
            crossing_ids: request.crossing_ids.clone(),
            categories,
            scope: caller.scope(),
        })
    }

    fn keeps(&self, referral: &Referral) -> bool {
        self.scope.covers(&referral.crossing_id)
            && (self.crossing_ids.is_empty() || self.crossing_ids.contains(&referral.crossing_id))
            && self.categories.contains(&referral.category)
    }
}

#[tonic::async_trait]
impl ProtectionService for ProtectionApi {
    type WatchReferralsStream = ReceiverStream<Result<WatchReferralsResponse, Status>>;

    async fn watch_referrals(
        &self,
        request: Request<WatchReferralsRequest>,
    ) -> Result<Response<Self::WatchReferralsStream>, Status> {
        let caller = Caller::of(&request)?;
        let request = request.into_inner();
        caller.note(|n| {
            n.resource = format!(
                "crossings={} categories={:?}",
                request.crossing_ids.join(","),
                request.categories
            );
        });
        let filter = Arc::new(Filter::parse(&request, &caller)?);
        // Subscribe first so nothing falls between the replay and the feed.
        let updates = self.stores.referrals.subscribe();
        let replay = (request.replay as usize).min(MAX_REPLAY);
        let first: Vec<WatchReferralsResponse> = if replay > 0 {
            self.stores
                .referrals
                .recent(replay, |r| filter.keeps(r))
                .into_iter()
                .map(|r| WatchReferralsResponse {
                    referral: Some((*r).clone()),
                })
                .collect()
        } else {
            Vec::new()
        };
        // A referral stored between the subscription and the replay is in
        // both: the feed leaves out what the replay sent.
        let replayed: HashSet<String> = first
            .iter()
            .filter_map(|r| r.referral.as_ref().map(|r| r.case_reference.clone()))
            .collect();
        let stream = follow(updates, first, self.shutdown.clone(), caller, move |r| {
            (filter.keeps(r) && !replayed.contains(&r.case_reference)).then(|| {
                WatchReferralsResponse {
                    referral: Some(r.clone()),
                }
            })
        });
        Ok(Response::new(stream))
    }
}
