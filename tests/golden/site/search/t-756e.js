CatalogSearch.add("t","un",{"understanding":[4.763,"5_"],"understanding deep":[2.607,"5_"]});
