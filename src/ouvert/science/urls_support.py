"""Pages of the support part."""

urlpatterns = []
