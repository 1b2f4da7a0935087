CatalogSearch.add("t","un",{"understanding":[4.76,"5_"],"understanding deep":[2.607,"5_"]});
