//! `ProtectionService`: the referral watch for partner services, within
//! the caller's country scope. A named out-of-scope crossing answers
//! `PERMISSION_DENIED`; otherwise only referrals of crossings the scope
//! covers are sent.

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
    categories: Vec<i32>,
    scope: CrossingScope,
}

impl Filter {
    fn parse(request: &WatchReferralsRequest, caller: &Caller) -> Result<Self, Error> {
        for id in &request.crossing_ids {
            caller.check_crossing(id)?;
        }
        for (i, &category) in request.categories.iter().enumerate() {
            match ReferralCategory::try_from(category) {
                Ok(ReferralCategory::Unspecified) | Err(_) => {
                    return Err(Error::invalid(
                        format!("categories[{i}]"),
                        format!("unknown referral category {category}"),
                    ));
                }
                Ok(_) => {}
            }
        }
        Ok(Self {
            crossing_ids: request.crossing_ids.clone(),
            categories: request.categories.clone(),
            scope: caller.scope(),
        })
    }

    fn keeps(&self, referral: &Referral) -> bool {
        self.scope.covers(&referral.crossing_id)
            && (self.crossing_ids.is_empty() || self.crossing_ids.contains(&referral.crossing_id))
            && (self.categories.is_empty() || self.categories.contains(&referral.category))
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
        let first = if replay > 0 {
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
        let stream = follow(updates, first, self.shutdown.clone(), caller, move |r| {
            filter.keeps(r).then(|| WatchReferralsResponse {
                referral: Some(r.clone()),
            })
        });
        Ok(Response::new(stream))
    }
}
