CatalogSearch.add("t","bi",{"bigger":"2g","bigger model":"2X"});
