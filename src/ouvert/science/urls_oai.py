"""Pages of the oai part."""

urlpatterns = []
