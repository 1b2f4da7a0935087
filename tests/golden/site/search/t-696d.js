CatalogSearch.add("t","im",{"img":"1L","img src":"1O","improve":"0J","improve chance":"0O"});
