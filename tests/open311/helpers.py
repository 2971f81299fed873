import xml.etree.ElementTree as ET

from defusedxml.ElementTree import fromstring


def parse_xml(response) -> ET.Element:
    """The XML body of a response, checking it is served as XML."""
    assert response["Content-Type"].startswith("text/xml")
    return fromstring(response.content)


def assert_error(response, code: int, fmt: str = "json") -> str:
    """The response is a GeoReport v2 error with `code` as HTTP status and in the body."""
    assert response.status_code == code, response.content
    if fmt == "json":
        body = response.json()
        assert isinstance(body, list) and len(body) == 1
        assert body[0]["code"] == code
        return body[0]["description"]
    root = parse_xml(response)
    assert root.tag == "errors"
    error = root.find("error")
    assert error.findtext("code") == str(code)
    return error.findtext("description")
