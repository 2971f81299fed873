from django.urls import re_path

from activator.open311 import georeport

app_name = "georeport"

FMT = r"\.(?P<fmt>[A-Za-z0-9]+)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, georeport.discovery, name="discovery"),
    re_path(r"^services" + FMT, georeport.service_list, name="services"),
    re_path(
        r"^services/(?P<service_code>[^/]+?)" + FMT, georeport.service_definition, name="service"
    ),
    re_path(r"^requests" + FMT, georeport.requests, name="requests"),
    re_path(
        r"^requests/(?P<service_request_id>[^/]+?)" + FMT, georeport.request_detail, name="request"
    ),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, georeport.token, name="token"),
    re_path(r"^(?P<rest>.*)$", georeport.not_found),
]
