CatalogSearch.add("t","on",{"onerror":"1L","onerror alert":"1O","only":"3J","only subset":"3O"});
