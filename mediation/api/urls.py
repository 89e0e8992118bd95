from rest_framework.routers import DefaultRouter

from .reference_views import CourtViewSet, MediationBodyViewSet, MediatorViewSet
from .views import DisputeViewSet

router = DefaultRouter()
router.register("disputes", DisputeViewSet, basename="dispute")
router.register("bodies", MediationBodyViewSet, basename="body")
router.register("mediators", MediatorViewSet, basename="mediator")
router.register("courts", CourtViewSet, basename="court")

urlpatterns = router.urls
