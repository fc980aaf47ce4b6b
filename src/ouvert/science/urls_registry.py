"""Pages of the registry part."""

urlpatterns = []
