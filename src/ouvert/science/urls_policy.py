"""Pages of the policy part."""

urlpatterns = []
